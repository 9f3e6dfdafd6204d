package daemon

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// Password length limits: at least minPassword characters, at most
// maxPassword bytes.
const (
	minPassword = 10
	maxPassword = 1024
)

// readNewPassword reads a password: asked for twice, without echo, when
// stdin is a terminal; otherwise the first line of stdin. A password is
// never a flag, which would show in the process list and shell history.
func readNewPassword(env *environment) (string, error) {
	var pw string
	var err error
	if f, ok := env.stdin.(*os.File); ok && isTerminal(f) {
		pw, err = promptTwice(f, env.stderr)
	} else {
		pw, err = readLine(env.stdin)
	}
	if err != nil {
		return "", err
	}
	return pw, checkPassword(pw)
}

func checkPassword(pw string) error {
	switch {
	case len(pw) > maxPassword:
		return fmt.Errorf("the password may have at most %d bytes", maxPassword)
	case !utf8.ValidString(pw):
		return errors.New("the password must be UTF-8")
	case utf8.RuneCountInString(pw) < minPassword:
		return fmt.Errorf("the password must have at least %d characters", minPassword)
	case common(pw):
		return errors.New("the password is one of the most common ones: choose another")
	}
	return nil
}

// readLine reads one line, without its line ending.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, maxPassword+2)).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on stdin")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func promptTwice(f *os.File, w io.Writer) (string, error) {
	first, err := promptHidden(f, w, "Password: ")
	if err != nil {
		return "", err
	}
	second, err := promptHidden(f, w, "Repeat password: ")
	if err != nil {
		return "", err
	}
	if first != second {
		return "", errors.New("the passwords differ")
	}
	return first, nil
}

// promptHidden asks for a line on the terminal with echo turned off.
func promptHidden(f *os.File, w io.Writer, prompt string) (string, error) {
	fmt.Fprint(w, prompt)
	restore, err := disableEcho(f)
	if err != nil {
		return "", err
	}
	line, err := readLine(f)
	restore()
	fmt.Fprintln(w)
	return line, err
}
