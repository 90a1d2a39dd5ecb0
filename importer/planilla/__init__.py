"""The planilla in: safe reading, cell parsing, the column spec, validation, grouping, the template."""
