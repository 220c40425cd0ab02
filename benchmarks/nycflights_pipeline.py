"""A pipeline of nycflights13's size and shape, on generated data (no network here).

The data is generated deterministically (seeded numpy) with nycflights13's row counts and
columns: 336,776 flights in 2013, 26,115 hourly weather rows (a ~2.6 MB CSV), 16 airlines,
1,458 airports, 3,322 planes. It is not the real data; sizes, types and join keys match.

Ten assets: four unpartitioned landing tables (``flights_landing`` is the one every daily
partition filters), and six daily ones; ``weather_daily`` re-reads the weather CSV for every
partition. :func:`loop` is the contender: the same functions in a plain loop that loads each
input once and hands frames over in memory, writing every output with ``write_parquet``.

    python -m benchmarks.nycflights_pipeline generate DATA_DIR
    python -m benchmarks.nycflights_pipeline loop DATA_DIR OUT_DIR
    NYCFLIGHTS_DATA=DATA_DIR asset -p benchmarks/nycflights_pipeline.py -w WH materialize ...
"""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

import assetflow as af

FLIGHTS, WEATHER_ROWS, PLANES, AIRPORTS = 336_776, 26_115, 3_322, 1_458
ORIGINS = ["EWR", "JFK", "LGA"]
daily = af.DailyPartitions(start="2013-01-01", end="2013-12-31")


def data_dir() -> Path:
    return Path(os.environ.get("NYCFLIGHTS_DATA", "benchmarks/.data/nycflights"))


# -- data -------------------------------------------------------------------------------------


def generate(out: Path) -> None:
    """Write the five CSV files (deterministic: the same bytes on every run)."""
    rng = np.random.default_rng(2013)
    out.mkdir(parents=True, exist_ok=True)
    carriers = ["9E", "AA", "AS", "B6", "DL", "EV", "F9", "FL"]
    carriers += ["HA", "MQ", "OO", "UA", "US", "VX", "WN", "YV"]
    pl.DataFrame({"carrier": carriers, "name": [f"{c} Airlines Inc." for c in carriers]}).write_csv(
        out / "airlines.csv"
    )
    faa = [
        f"{chr(65 + i // 676)}{chr(65 + i // 26 % 26)}{chr(65 + i % 26)}" for i in range(AIRPORTS)
    ]
    faa[:3] = ORIGINS
    pl.DataFrame(
        {
            "faa": faa,
            "name": [f"Airport {f}" for f in faa],
            "lat": rng.uniform(19, 64, AIRPORTS).round(4),
            "lon": rng.uniform(-160, -68, AIRPORTS).round(4),
            "alt": rng.integers(0, 9000, AIRPORTS),
            "tz": rng.integers(-10, -4, AIRPORTS),
        }
    ).write_csv(out / "airports.csv")
    tails = [f"N{i:04d}{'ABCDEFGH'[i % 8]}" for i in range(PLANES)]
    makers = ["BOEING", "AIRBUS", "EMBRAER", "BOMBARDIER", "MCDONNELL DOUGLAS"]
    pl.DataFrame(
        {
            "tailnum": tails,
            "year": rng.integers(1960, 2013, PLANES),
            "manufacturer": [makers[i] for i in rng.integers(0, len(makers), PLANES)],
            "seats": rng.integers(20, 450, PLANES),
            "engines": rng.integers(1, 4, PLANES),
        }
    ).write_csv(out / "planes.csv")
    day_of = np.sort(rng.integers(0, 365, FLIGHTS))
    days = np.datetime64("2013-01-01") + day_of.astype("timedelta64[D]")
    sched = rng.integers(5 * 60, 23 * 60, FLIGHTS)
    delay = np.round(rng.gamma(0.6, 25, FLIGHTS) - 8).astype(np.int64)
    cancelled = rng.random(FLIGHTS) < 0.025
    dest = rng.integers(3, 108, FLIGHTS)
    dep = np.where(cancelled, -1, (sched + delay) % 1440)
    flights = pl.DataFrame(
        {
            "date": days,
            "dep_time": dep,
            "sched_dep_time": sched // 60 * 100 + sched % 60,
            "dep_delay": np.where(cancelled, -9999, delay),
            "arr_delay": np.where(cancelled, -9999, delay + rng.integers(-30, 30, FLIGHTS)),
            "carrier": [carriers[i] for i in rng.integers(0, len(carriers), FLIGHTS)],
            "flight": rng.integers(1, 8500, FLIGHTS),
            "tailnum": [tails[i] for i in rng.integers(0, PLANES, FLIGHTS)],
            "origin": [ORIGINS[i] for i in rng.integers(0, 3, FLIGHTS)],
            "dest": [faa[i] for i in dest],
            "air_time": rng.integers(20, 700, FLIGHTS),
            "distance": rng.integers(17, 4983, FLIGHTS),
            "hour": sched // 60,
            "minute": sched % 60,
        }
    ).with_columns(
        pl.when(pl.col("dep_time") < 0).then(None).otherwise("dep_time").alias("dep_time"),
        pl.when(pl.col("dep_delay") < -999).then(None).otherwise("dep_delay").alias("dep_delay"),
        pl.when(pl.col("arr_delay") < -999).then(None).otherwise("arr_delay").alias("arr_delay"),
    )
    flights.write_csv(out / "flights.csv")
    hours = np.arange(365 * 24)
    w_origin = np.repeat(np.arange(3), len(hours))[:WEATHER_ROWS]
    w_hour = np.tile(hours, 3)[:WEATHER_ROWS]
    stamp = (np.datetime64("2013-01-01T00") + w_hour.astype("timedelta64[h]")).astype("M8[ms]")
    pl.DataFrame(
        {
            "origin": [ORIGINS[i] for i in w_origin],
            "year": np.full(WEATHER_ROWS, 2013),
            "month": stamp.astype("M8[M]").astype(np.int64) % 12 + 1,
            "day": (stamp.astype("M8[D]") - stamp.astype("M8[M]")).astype(np.int64) + 1,
            "hour": w_hour % 24,
            "temp": rng.normal(55, 18, WEATHER_ROWS).round(2),
            "dewp": rng.normal(41, 19, WEATHER_ROWS).round(2),
            "humid": rng.uniform(12, 100, WEATHER_ROWS).round(2),
            "wind_dir": rng.integers(0, 360, WEATHER_ROWS),
            "wind_speed": rng.gamma(2, 5, WEATHER_ROWS).round(4),
            "wind_gust": np.where(
                rng.random(WEATHER_ROWS) < 0.2, rng.gamma(4, 6, WEATHER_ROWS), np.nan
            ).round(4),
            "precip": np.where(
                rng.random(WEATHER_ROWS) < 0.07, rng.gamma(1, 0.05, WEATHER_ROWS), 0
            ).round(2),
            "pressure": rng.normal(1017, 7, WEATHER_ROWS).round(1),
            "visib": np.minimum(rng.gamma(9, 1.2, WEATHER_ROWS), 10).round(2),
            "time_hour": stamp,
        }
    ).with_columns(pl.col("wind_gust").fill_nan(None)).write_csv(out / "weather.csv")


# -- assets -----------------------------------------------------------------------------------


def _day(context) -> date:
    return date.fromisoformat(context.partition_key)


@af.asset(code_version="1")
def flights_landing() -> pl.DataFrame:
    """Every flight of the year, as landed (the table each day filters)."""
    return pl.read_csv(data_dir() / "flights.csv", try_parse_dates=True)


@af.asset(code_version="1")
def airlines() -> pl.DataFrame:
    return pl.read_csv(data_dir() / "airlines.csv")


@af.asset(code_version="1")
def airports() -> pl.DataFrame:
    return pl.read_csv(data_dir() / "airports.csv")


@af.asset(code_version="1")
def planes() -> pl.DataFrame:
    return pl.read_csv(data_dir() / "planes.csv")


@af.asset(partitions=daily, code_version="1")
def flights_daily(context: af.Context, flights_landing: pl.DataFrame) -> pl.DataFrame:
    """The day's flights, filtered from the landing table."""
    return flights_landing.filter(pl.col("date") == _day(context))


@af.asset(partitions=daily, code_version="1")
def weather_daily(context: af.Context) -> pl.DataFrame:
    """The day's hourly weather: re-reads the whole weather CSV (~2.6 MB) every partition."""
    weather = pl.read_csv(data_dir() / "weather.csv", try_parse_dates=True)
    return weather.filter(pl.col("time_hour").dt.date() == _day(context))


@af.asset(partitions=daily, code_version="1")
def delays_daily(flights_daily: pl.DataFrame, airlines: pl.DataFrame) -> pl.DataFrame:
    """Per airline: flights, cancellations, mean departure and arrival delay."""
    return (
        flights_daily.group_by("carrier")
        .agg(
            flights=pl.len(),
            cancelled=pl.col("dep_time").is_null().sum(),
            dep_delay=pl.col("dep_delay").mean(),
            arr_delay=pl.col("arr_delay").mean(),
        )
        .join(airlines, on="carrier", how="left")
        .sort("carrier")
    )


@af.asset(partitions=daily, code_version="1")
def flights_weather(flights_daily: pl.DataFrame, weather_daily: pl.DataFrame) -> pl.DataFrame:
    """Each flight with the weather at its origin in its scheduled hour."""
    hourly = weather_daily.with_columns(hour=pl.col("time_hour").dt.hour().cast(pl.Int64))
    return flights_daily.join(
        hourly.select("origin", "hour", "temp", "wind_speed", "precip", "visib"),
        on=["origin", "hour"],
        how="left",
    )


@af.asset(partitions=daily, code_version="1")
def routes_daily(flights_daily: pl.DataFrame, airports: pl.DataFrame) -> pl.DataFrame:
    """Per destination: flights and mean arrival delay, with the airport's name and place."""
    return (
        flights_daily.group_by("origin", "dest")
        .agg(flights=pl.len(), arr_delay=pl.col("arr_delay").mean())
        .join(airports.rename({"faa": "dest"}), on="dest", how="left")
        .sort("origin", "dest")
    )


@af.asset(partitions=daily, code_version="1")
def plane_usage(flights_daily: pl.DataFrame, planes: pl.DataFrame) -> pl.DataFrame:
    """Per manufacturer: flights, seats flown and distance."""
    return (
        flights_daily.join(planes.select("tailnum", "manufacturer", "seats"), on="tailnum")
        .group_by("manufacturer")
        .agg(flights=pl.len(), seats=pl.col("seats").sum(), distance=pl.col("distance").sum())
        .sort("manufacturer")
    )


# -- the contender ----------------------------------------------------------------------------


class _Key:
    def __init__(self, key: str) -> None:
        self.partition_key = key


def loop(out: Path) -> None:
    """The same functions in a plain loop: each input loaded once, frames passed in memory."""

    def write(name: str, key: str, frame: pl.DataFrame) -> None:
        folder = out / name / key
        folder.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(folder / "data.parquet", compression="zstd")

    landing = {a.name: a.fn() for a in (flights_landing, airlines, airports, planes)}
    for name, frame in landing.items():
        write(name, "__all__", frame)
    for i in range(365):
        key = (date(2013, 1, 1) + timedelta(days=i)).isoformat()
        ctx = _Key(key)
        day = flights_daily.fn(ctx, landing["flights_landing"])
        weather = weather_daily.fn(ctx)
        outputs = {
            "flights_daily": day,
            "weather_daily": weather,
            "delays_daily": delays_daily.fn(day, landing["airlines"]),
            "flights_weather": flights_weather.fn(day, weather),
            "routes_daily": routes_daily.fn(day, landing["airports"]),
            "plane_usage": plane_usage.fn(day, landing["planes"]),
        }
        for name, frame in outputs.items():
            write(name, key, frame)


if __name__ == "__main__":
    if sys.argv[1:2] == ["generate"] and len(sys.argv) == 3:
        generate(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["loop"] and len(sys.argv) == 4:
        os.environ["NYCFLIGHTS_DATA"] = sys.argv[2]
        loop(Path(sys.argv[3]))
    else:
        sys.exit(__doc__)
