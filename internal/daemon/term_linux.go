//go:build linux

package daemon

import (
	"os"
	"syscall"
	"unsafe"
)

func getTermios(f *os.File) (*syscall.Termios, error) {
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	if errno != 0 {
		return nil, errno
	}
	return &t, nil
}

func setTermios(f *os.File, t *syscall.Termios) error {
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TCSETS, uintptr(unsafe.Pointer(t)))
	if errno != 0 {
		return errno
	}
	return nil
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	_, err := getTermios(f)
	return err == nil
}

// disableEcho turns off the echo of typed characters and returns a
// function that turns it back on.
func disableEcho(f *os.File) (func(), error) {
	old, err := getTermios(f)
	if err != nil {
		return nil, err
	}
	t := *old
	t.Lflag &^= syscall.ECHO
	if err := setTermios(f, &t); err != nil {
		return nil, err
	}
	return func() { _ = setTermios(f, old) }, nil
}
