.PHONY: test bench bench-peers bench-memory bench-postgres fuzz

# The whole suite: installs and starts what the tests need, then gofmt, go vet
# and go test -race ./...
test:
	./scripts/test

# Benchmarks of the hot paths.
bench:
	go test -run '^$$' -bench . -benchmem ./...

# grantry serve on SQLite against in-memory servers (the library on
# memstore, a hand-written endpoint, fosite and go-oauth2 when the module
# proxy serves them): rates and ratios.
bench-peers:
	./scripts/bench-peers

# The resident memory the in-memory servers keep per token issued, over
# 1,000,000 client_credentials tokens each.
bench-memory:
	./scripts/bench-memory

# grantry serve on PostgreSQL (started for the run): token rate, and the CPU
# PostgreSQL and the server spend per token, at concurrency 32 and 64.
# OLD=REV compares with the build of REV, round by round.
bench-postgres:
	./scripts/bench-postgres
