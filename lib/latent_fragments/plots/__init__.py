"""The book's figures, one module per chapter's subject, and the one style module (palette, page width)."""
