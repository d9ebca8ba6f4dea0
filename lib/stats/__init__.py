"""Statistics: paired bootstrap CIs and sign-flip tests, independent-group and trend tests, Holm families."""
