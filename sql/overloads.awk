# sql/overloads.awk: expand the overload templates of the install fragments.
#
#   awk -f sql/overloads.awk sql/install/00_core.sql
#
# The Makefile runs every fragment of sql/install/ through this script when
# it assembles the install script.  Lines outside a template are copied as
# they are.  A template is one or more "-- @foreach" lines, a body, and an
# "-- @end" line:
#
#   -- @foreach key bigint text uuid
#   -- @foreach amount numeric float8 float4 int8 int4 int2
#   CREATE FUNCTION f(s, {key}, timestamptz, {amount}) RETURNS s ...;
#   COMMENT ON FUNCTION f(s, {key}, timestamptz, {amount}) IS '...';
#   -- @end
#
# The body is written once for every combination of the values, the first
# @foreach varying slowest, with each {name} replaced by its value.  Values
# are single words (type names such as float8 for double precision).  The
# directive lines themselves are dropped.

function fail(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	failed = 1
	exit 1
}

# write the body for every combination of variables depth..nvars
function emit(depth, i, j, line) {
	if (depth > nvars) {
		for (i = 1; i <= nbody; i++) {
			line = body[i]
			for (j = 1; j <= nvars; j++)
				gsub("\\{" names[j] "\\}", cur[j], line)
			if (line ~ /\{[a-z_]+\}/)
				fail("unknown placeholder in: " line)
			print line
		}
		return
	}
	for (i = 1; i <= nvals[depth]; i++) {
		cur[depth] = vals[depth, i]
		emit(depth + 1)
	}
}

/^-- @foreach / {
	if (nbody > 0)
		fail("@foreach inside a template body")
	if (NF < 4)
		fail("@foreach needs a name and at least one value")
	nvars++
	names[nvars] = $3
	nvals[nvars] = NF - 3
	for (k = 4; k <= NF; k++)
		vals[nvars, k - 3] = $k
	next
}

/^-- @end[ \t]*$/ {
	if (nvars == 0)
		fail("@end without @foreach")
	emit(1)
	nvars = 0
	nbody = 0
	next
}

/^-- @/ {
	fail("unknown directive: " $0)
}

{
	if (nvars > 0)
		body[++nbody] = $0
	else
		print
}

END {
	if (!failed && nvars > 0)
		fail("@foreach without @end")
}
