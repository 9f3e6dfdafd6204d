// Package devicecode is the device authorization grant (RFC 8628), for
// devices that cannot show a browser or are hard to type on: a TV, a
// command-line tool. The device asks for codes, shows the user a short
// user code and a URL, and polls the token endpoint while the user, on a
// phone or computer, signs in, enters the code and approves.
//
//	dc, err := devicecode.New(store, devicecode.Config{
//		VerificationURI: "https://as.example/device", // the page of Lookup, Approve and Deny
//		URL:             "/device_authorization",
//	})
//	srv.RegisterGrant(dc) // grant_type=urn:ietf:params:oauth:grant-type:device_code
//	mux.Handle("POST /device_authorization", srv.Mount(dc.AuthorizationEndpoint()))
//
// The device authorization endpoint (RFC 8628 §3.1) authenticates the
// client as the token endpoint does, with Config.AuthMethods (public
// clients with client_id alone among them), requires that the client may
// use the grant (unauthorized_client) and the scope (invalid_scope), and
// answers device_code, user_code, verification_uri,
// verification_uri_complete, expires_in and interval (§3.2). The metadata
// lists device_authorization_endpoint (§4) and the grant type.
//
// Device codes carry 256 random bits. User codes are eight letters of a
// twenty-consonant alphabet (UserCodeAlphabet), shown as XXXX-XXXX and
// compared ignoring case, dashes and spaces (NormalizeUserCode, §6.1).
// Both are stored as digests only, and live Config.Lifetime, ten minutes
// by default. The page where users enter codes should throttle wrong
// entries (§5.1): the grant reports them as ErrUserCode.
//
// At the token endpoint (§3.4, §3.5) a poll is answered
// authorization_pending until the user decides; slow_down when, before
// the decision, it comes sooner than the interval after the previous one,
// the interval of that device code then growing by five seconds; access_denied after a denial;
// expired_token once the code has expired; and with the tokens, exactly
// once, after an approval: the store applies each poll atomically
// (storage.DeviceStore). A device code presented again after that, or
// unknown, or another client's, is invalid_grant.
package devicecode
