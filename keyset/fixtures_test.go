package keyset

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/grantry/grantry/authtest"
)

// loadKey reads a PEM key from testdata.
func loadKey(t testing.TB, name string, alg Algorithm) *Key {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParsePEM(data, alg, "")
	if err != nil {
		t.Fatalf("ParsePEM(%s): %v", name, err)
	}
	return k
}

// newClock returns a clock at a fixed time, which the tests move.
func newClock() *authtest.Clock { return authtest.NewClock(time.Unix(1_700_000_000, 0)) }
