"""The Textual app: screens call the domain packages (srs, store, deck, runner), nothing more."""
