package oauth1_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/grantry/grantry/client/oauth1"
)

// A Twitter-style "log in with" flow against a test provider: temporary
// credentials, the user's approval, token credentials, then a signed call
// to the provider's API.
func Example() {
	provider := newProvider()
	defer provider.Close()

	cfg := &oauth1.Config{
		ConsumerKey:    "app-key",
		ConsumerSecret: "app-secret",
		Callback:       "https://app.example/oauth/callback",
		Endpoint:       provider.endpoint(),
	}
	ctx := context.Background()

	// §2.1: keep temp in the user's session until the callback.
	temp, err := cfg.RequestTemporaryCredentials(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// §2.2: send the user to authURL; the provider sends them back to the
	// callback, here followed by hand.
	authURL, err := cfg.AuthorizationURL(temp, nil)
	if err != nil {
		log.Fatal(err)
	}
	callback, err := visit(authURL)
	if err != nil {
		log.Fatal(err)
	}
	verifier, err := oauth1.ParseCallback(callback.RawQuery, temp)
	if err != nil {
		log.Fatal(err)
	}
	// §2.3: token credentials, with the provider's extra parameters.
	tok, err := cfg.RequestTokenCredentials(ctx, temp, verifier)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("screen_name:", tok.Extra.Get("screen_name"))

	// §3: every request of this client is signed.
	resp, err := cfg.Client(tok).Get(provider.URL + "/1.1/account/verify_credentials.json")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.Status, " ", string(body))
	// Output:
	// screen_name: jane
	// 200 OK {"id":42,"screen_name":"jane"}
}

// Signing one request by hand: the protected resource request of RFC 5849
// §1.2, with the RFC's clock and nonce.
func ExampleConfig_Sign() {
	cfg := &oauth1.Config{
		ConsumerKey:    "dpf43f3p2l4k3l03",
		ConsumerSecret: "kd94hf93k423kf44",
		Realm:          "Photos",
		Now:            func() time.Time { return time.Unix(137131202, 0) },
		Nonce:          func() string { return "chapoH" },
	}
	tok := oauth1.Credentials{Token: "nnch734d00sl2jdk", Secret: "pfkkdhi9sl3r4s00"}

	req, _ := http.NewRequest(http.MethodGet, "http://photos.example.net/photos?file=vacation.jpg&size=original", nil)
	if err := cfg.Sign(req, tok); err != nil {
		log.Fatal(err)
	}
	fmt.Println(req.Header.Get("Authorization"))
	// Output:
	// OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"
}

// Protocol parameters in the query instead of the Authorization header
// (RFC 5849 §3.5.3), here for a server that needs them there.
func ExampleConfig_Sign_query() {
	cfg := &oauth1.Config{
		ConsumerKey:    "dpf43f3p2l4k3l03",
		ConsumerSecret: "kd94hf93k423kf44",
		Placement:      oauth1.URIQuery,
		Now:            func() time.Time { return time.Unix(137131202, 0) },
		Nonce:          func() string { return "chapoH" },
	}
	tok := oauth1.Credentials{Token: "nnch734d00sl2jdk", Secret: "pfkkdhi9sl3r4s00"}

	req, _ := http.NewRequest(http.MethodGet, "http://photos.example.net/photos?file=vacation.jpg&size=original", nil)
	if err := cfg.Sign(req, tok); err != nil {
		log.Fatal(err)
	}
	fmt.Println(req.URL.RawQuery)
	// Output:
	// file=vacation.jpg&size=original&oauth_consumer_key=dpf43f3p2l4k3l03&oauth_token=nnch734d00sl2jdk&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131202&oauth_nonce=chapoH&oauth_signature=MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D
}

// A Transport signs whatever goes through it, for code that builds its
// own http.Client.
func ExampleTransport() {
	provider := newProvider()
	defer provider.Close()
	cfg := &oauth1.Config{ConsumerKey: "app-key", ConsumerSecret: "app-secret", Endpoint: provider.endpoint()}
	tok := provider.issue()

	client := &http.Client{
		Transport: &oauth1.Transport{Config: cfg, Token: tok},
		Timeout:   10 * time.Second,
	}
	resp, err := client.Get(provider.URL + "/1.1/account/verify_credentials.json")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// 200 OK
}
