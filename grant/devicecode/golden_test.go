package devicecode_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/internal/golden"

	"github.com/grantry/grantry/authserver"
)

// wire renders status, the sorted headers and the body.
func wire(a answer) []byte {
	var b bytes.Buffer
	b.WriteString(http.StatusText(a.status) + "\n")
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range a.header {
			if !yield(k) {
				return
			}
		}
	}) {
		b.WriteString(k + ": " + strings.Join(a.header[k], ", ") + "\n")
	}
	b.WriteString("\n")
	b.Write(a.body)
	b.WriteString("\n")
	return b.Bytes()
}

// TestGolden checks the wire documents without random values: the server
// metadata, and the answers of polls before a decision, too soon, after a
// denial and after expiry.
func TestGolden(t *testing.T) {
	f := newFixture(t)
	r := httptest.NewRequest(http.MethodGet, f.srv.MetadataPath(), nil)
	golden.Check(t, "metadata", f.do(r).body)

	da := f.start(clientCLI, "profile")
	var polls bytes.Buffer
	polls.Write(wire(f.poll(clientCLI, da.DeviceCode)))
	f.clock.Advance(time.Second)
	polls.Write(wire(f.poll(clientCLI, da.DeviceCode)))
	f.clock.Advance(time.Minute)
	f.approve(da.UserCode, &authserver.Consent{Subject: "alice", Scope: nil})
	f.poll(clientCLI, da.DeviceCode)
	polls.Write(wire(f.poll(clientCLI, da.DeviceCode)))
	denied := f.start(clientCLI, "profile")
	if err := f.grant.Deny(t.Context(), denied.UserCode, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	polls.Write(wire(f.poll(clientCLI, denied.DeviceCode)))
	f.clock.Advance(time.Hour)
	polls.Write(wire(f.poll(clientCLI, denied.DeviceCode)))
	golden.Check(t, "polls", polls.Bytes())
}
