"""The results workbook: what it says (the accounting model) and how it is written."""
