"""Small widgets shared by the main window and the registry: date edit, area navigator,
search box, and the progress dialog for background work."""
