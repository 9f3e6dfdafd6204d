package oauth1_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/client/oauth1"
)

func BenchmarkSign(b *testing.B) {
	tok := oauth1.Credentials{Token: "nnch734d00sl2jdk", Secret: "pfkkdhi9sl3r4s00"}
	benches := []struct {
		name      string
		placement oauth1.Placement
		body      string
	}{
		{"header GET query", oauth1.AuthHeader, ""},
		{"header POST form", oauth1.AuthHeader, "status=hello+world&in_reply_to=12345"},
		{"body POST form", oauth1.FormBody, "status=hello+world&in_reply_to=12345"},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			cfg := &oauth1.Config{
				ConsumerKey: "dpf43f3p2l4k3l03", ConsumerSecret: "kd94hf93k423kf44", Placement: bb.placement,
				Now: func() time.Time { return time.Unix(137131202, 0) }, Nonce: func() string { return "chapoH" },
			}
			b.ReportAllocs()
			for b.Loop() {
				method := http.MethodGet
				if bb.body != "" {
					method = http.MethodPost
				}
				req, _ := http.NewRequest(method, "https://photos.example.net/photos?file=vacation.jpg&size=original", strings.NewReader(bb.body))
				if bb.body != "" {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				if err := cfg.Sign(req, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
