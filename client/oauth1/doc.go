// Package oauth1 is an OAuth 1.0 client (RFC 5849): it obtains temporary
// and token credentials through the redirection-based flow of §2 and signs
// requests to protected resources as §3 describes.
//
// A [Config] holds the client credentials, the server's three endpoints and
// the signing choices: the method (HMAC-SHA1 by default, HMAC-SHA256,
// RSA-SHA1 with any RSA [crypto.Signer], or PLAINTEXT, which is refused
// over plain http unless InsecurePlaintextOverHTTP is set) and where the
// protocol parameters go (the Authorization header by default, the form
// body, or the query). Its clock and nonce source can be replaced for
// tests.
//
// The three-legged flow, for a web application:
//
//	temp, err := cfg.RequestTemporaryCredentials(ctx)     // §2.1
//	// keep temp (its Secret too) in the user's session, then
//	authURL, err := cfg.AuthorizationURL(temp, nil)        // §2.2
//	// redirect the user to authURL; on return to cfg.Callback:
//	verifier, err := oauth1.ParseCallback(r.URL.RawQuery, temp)
//	tok, err := cfg.RequestTokenCredentials(ctx, temp, verifier) // §2.3
//
// tok is then used for protected resources, either with an *http.Client
// that signs everything it sends,
//
//	resp, err := cfg.Client(tok).Get("https://api.example.com/1/me")
//
// or by signing one request with [Config.Sign]. A form-encoded body is
// part of the signature (§3.4.1.3.1); other bodies are not.
//
// A signature goes only to the scheme, host and port a request was sent
// to. The client of [Config.Client] follows a redirect to another origin
// unsigned, and the credentials requests do not follow one at all: with
// PLAINTEXT the signature is the two shared secrets.
//
// A server's refusal comes back as a *[ResponseError] carrying the HTTP
// status and a summary of the body with secrets redacted; the errors
// wrapped in it, and the ones about the client's own setup, are sentinel
// values to test with errors.Is. When a credentials request cannot be
// sent, the *url.Error returned has the signature, token and verifier
// redacted from its URL. Nothing here panics on bad input.
//
// The package uses only the standard library.
package oauth1
