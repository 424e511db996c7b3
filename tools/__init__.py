"""The workbook's scripts; tools.grade is the grader (python3 -m tools.grade)."""
