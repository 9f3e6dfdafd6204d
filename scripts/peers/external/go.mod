// The peers scripts/bench-peers compares grantry with. A module of its
// own, so that grantry's go.mod never requires them: the script copies it
// to a temporary directory and fetches the versions it names.
module peers

go 1.24
