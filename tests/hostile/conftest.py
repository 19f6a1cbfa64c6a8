"""The hostile suite reuses the web tests' fixtures (a migrated SQLite copy with the demo org, the app)."""

from tests.webui.conftest import (  # noqa: F401  (fixtures, found by name)
    app,
    client,
    login,
    services,
    settings,
    template_db,
)
