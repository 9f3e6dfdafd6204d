module github.com/grantry/grantry

go 1.26.8

require (
	github.com/go-jose/go-jose/v4 v4.1.8 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/oauth2 v0.37.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
