"""kefu web UI (Flask); arrives with the web issue."""
