# The two commands of the README. Both install what is missing first (tools/bootstrap --test: a local
# PostgreSQL 15 server with pg_cron, pgTAP, plpgsql_check, pg_prove, and the venv).
# `make bootstrap` installs only what an install into an existing server needs (psql client, venv).
.PHONY: demo test bootstrap clean

demo:
	tools/demo

test:
	tools/test

bootstrap:
	tools/bootstrap

clean:
	-tools/pgcluster remove demo
	-tools/pgcluster remove pytest
