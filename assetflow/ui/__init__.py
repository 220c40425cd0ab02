"""The local web UI (``asset ui``): server-rendered pages over the published snapshot.

Needs the optional extra ``ui`` (Starlette, Jinja2, uvicorn). Importing this package imports
none of them: the pure parts (``keyrule``, ``matrix``, and the drawings shared with the notebook
reprs in ``assetflow.observe``: ``statuses``, ``layout``, ``gantt``, ``graph_view``) work
without the extra; ``app`` and ``server`` need it. See ``README.md`` beside this file.
"""
