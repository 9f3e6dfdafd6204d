.PHONY: test bench fuzz

# The whole suite: installs and starts what the tests need, then gofmt, go vet
# and go test -race ./...
test:
	./scripts/test

# Benchmarks of the hot paths.
bench:
	go test -run '^$$' -bench . -benchmem ./...
