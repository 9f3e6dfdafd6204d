package oauth2

import "net/http"

// Hooks adapt the client to providers that depart from the RFCs. Every hook
// is optional.
type Hooks struct {
	// TokenResponse sees every token endpoint response before it is
	// parsed, refresh responses included; it may change the status, the
	// headers or the body (replace resp.Body, and close the old one).
	TokenResponse func(resp *http.Response) error
	// RefreshRequest sees a refresh token request before it is sent.
	RefreshRequest func(req *EndpointRequest) error
	// RefreshResponse sees a refresh response after TokenResponse.
	RefreshResponse func(resp *http.Response) error
	// ProtectedRequest sees a request to a protected resource after the
	// token was placed in it. For a token whose type is not Bearer, the
	// client does not place the token and this hook must.
	ProtectedRequest func(req *http.Request, tok *Token) error
	// RevokeRequest sees a revocation request before it is sent.
	RevokeRequest func(req *EndpointRequest) error
	// IntrospectRequest sees an introspection request before it is sent.
	IntrospectRequest func(req *EndpointRequest) error
	// PushRequest sees a pushed authorization request before it is sent.
	PushRequest func(req *EndpointRequest) error
}

// runResponseHooks applies the response hooks in order.
func runResponseHooks(resp *http.Response, hooks ...func(*http.Response) error) error {
	for _, h := range hooks {
		if h == nil {
			continue
		}
		if err := h(resp); err != nil {
			resp.Body.Close()
			return err
		}
	}
	return nil
}
