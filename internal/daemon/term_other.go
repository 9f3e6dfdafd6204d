//go:build !linux

package daemon

import "os"

// isTerminal reports false where the terminal cannot be controlled: the
// password is then read from stdin as a line.
func isTerminal(*os.File) bool { return false }

func disableEcho(*os.File) (func(), error) { return func() {}, nil }
