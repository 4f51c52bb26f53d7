"""Markets: call-auction book, schedule books, the equity market and the specification's formulas."""
