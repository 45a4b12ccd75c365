"""Start the Streamlit app so that deep links work from the very first request.

Streamlit 1.67 treats a folder named `pages/` beside app.py as a v1 multipage app until some session has
called `st.navigation`: the first request after a restart, if it is a deep link (`/conversation?id=…`),
shows a "Page not found" dialog before app.py's navigation takes over. Our page scripts live in section
folders under pages/ and are registered by app.py, so we tell Streamlit up front that the v1 pages folder
is not in use, then hand over to its normal command line.
"""

from __future__ import annotations

import sys

from reviewlab.config import PROJECT_ROOT

# Self-hosted means nothing leaves the server: no usage statistics, and no Deploy button or developer menu. No
# file watcher either: code updated under a running server takes effect on restart, instead of half-reloading.
# Given first, so the user's own options (passed after them) win.
DEFAULT_OPTIONS = ["--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
                   "--server.fileWatcherType", "none"]


def streamlit_argv(streamlit_args: list[str]) -> list[str]:
    return ["streamlit", "run", str(PROJECT_ROOT / "app.py"), *DEFAULT_OPTIONS, *streamlit_args]


def serve(streamlit_args: list[str]) -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli as streamlit_cli

    PagesManager.uses_pages_directory = False
    sys.argv = streamlit_argv(streamlit_args)
    streamlit_cli.main()
