# `make help`: the targets and variables of the Makefile, from its "## " comment lines.
# A "## " line above a target is its usage and description; "## NAME: ..." lines above a
# `NAME ?= default` assignment describe a variable, printed with its default.
/^## / { doc[++n] = substr($0, 4); next }
/^[A-Z_]+ *\?=/ && n {
  name = $1
  value = $0
  sub(/^[A-Z_]+ *\?= */, "", value)
  if (value == "") value = "(empty)"
  text = doc[1]
  sub(/^[A-Z_]+: */, "", text)
  vars[++nv] = sprintf("  %-22s %s", name "=" value, text)
  for (i = 2; i <= n; i++) vars[++nv] = sprintf("  %-22s %s", "", doc[i])
  n = 0
  next
}
/^[a-z][a-z-]*:/ && n { for (i = 1; i <= n; i++) targets[++nt] = "  " doc[i]; n = 0; next }
{ n = 0 }
END {
  print "Targets:"
  for (i = 1; i <= nt; i++) print targets[i]
  print ""
  print "Variables (make TARGET NAME=value; the default after =):"
  for (i = 1; i <= nv; i++) print vars[i]
  print "  Environment: NO_COLOR=1 (no colours), CI=true or EDI_YES=1 (install without asking),"
  print "  SELFTEST_SKIP=step,... and EDIFACT_CORPUS=dir (make test), EDI_FLAMEGRAPH_DIR (the flame graph renderer)"
}
