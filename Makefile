# The two commands of the README. Both install what is missing first (tools/bootstrap).
.PHONY: demo test bootstrap clean

bootstrap:
	tools/bootstrap

demo: bootstrap
	tools/demo

test: bootstrap
	tools/test

clean:
	-tools/pgcluster remove demo
	-tools/pgcluster remove pytest
