package daemon

import (
	"runtime/debug"
	"testing"
)

// gcPercent returns the GOGC in effect.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestTuneGC(t *testing.T) {
	prev := gcPercent()
	t.Cleanup(func() { debug.SetGCPercent(prev) })
	tests := []struct {
		name, dsn string
		env       map[string]string
		wantSet   bool
		want      int
	}{
		{"SQLite, GOGC unset", "grantry.db", nil, true, serveGCPercent},
		{"PostgreSQL, GOGC empty", "postgres://db/grantry", map[string]string{"GOGC": ""}, true, serveGCPercent},
		{"SQLite, GOGC set", "grantry.db", map[string]string{"GOGC": "150"}, false, 150},
		{"memory store", "memory:", nil, false, 150},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(150) // what the runtime took from GOGC=150
			if got := tuneGC(envOf(tc.env), tc.dsn); got != tc.wantSet {
				t.Errorf("tuneGC: got %v, want %v", got, tc.wantSet)
			}
			if got := gcPercent(); got != tc.want {
				t.Errorf("GOGC in effect: got %d, want %d", got, tc.want)
			}
		})
	}
}
