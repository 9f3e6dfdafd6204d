// Package golden compares what a test produced with a golden file kept in
// the testdata directory of the package under test. Tests that produce
// wire documents (metadata, error bodies, tokens' JSON) check them with
// Check; `go test -update-golden` rewrites the files from what the tests
// produce, to be reviewed like any change.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update-golden", false, "rewrite the testdata/*.golden files from what the tests produce")

// Check compares got with testdata/NAME.golden, or writes it there with
// -update-golden.
func Check(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update-golden to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got\n%s\nwant\n%s", path, got, want)
	}
}
