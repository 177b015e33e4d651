package harness

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Conn is a raw RESP connection: it sends bytes and reads whole replies as raw bytes.
type Conn struct {
	c net.Conn
	r *bufio.Reader
	t testing.TB
}

// DialTimeout connects to addr.
func DialTimeout(addr string, timeout time.Duration) (*Conn, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	return &Conn{c: c, r: bufio.NewReaderSize(c, 1<<16)}, nil
}

// NetConn exposes the socket (for byte-level tests).
func (c *Conn) NetConn() net.Conn { return c.c }

// Close closes the socket.
func (c *Conn) Close() error { return c.c.Close() }

// Send writes raw bytes.
func (c *Conn) Send(b []byte) error {
	_ = c.c.SetWriteDeadline(time.Now().Add(ReplyTimeout))
	_, err := c.c.Write(b)
	return err
}

// SendCmd writes one command as a multibulk request.
func (c *Conn) SendCmd(args ...string) error { return c.Send(EncodeCmd(args...)) }

// EncodeCmd encodes a command as a RESP multibulk request.
func EncodeCmd(args ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.Bytes()
}

// ErrClosed is returned when the peer closed the connection before a full reply.
var ErrClosed = errors.New("connection closed by server")

// ReadReply reads exactly one RESP2/RESP3 reply and returns its raw bytes.
func (c *Conn) ReadReply(timeout time.Duration) ([]byte, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(timeout))
	var out bytes.Buffer
	err := readValue(c.r, &out)
	if err != nil && isClosedErr(err) {
		if out.Len() > 0 {
			return out.Bytes(), fmt.Errorf("%w after partial reply %s", ErrClosed, Escape(out.Bytes()))
		}
		return nil, ErrClosed
	}
	return out.Bytes(), err
}

func isClosedErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// IsTimeout reports whether err is a read deadline expiry.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func readLine(r *bufio.Reader, out *bytes.Buffer) (string, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		// Very long line: collect it fully.
		buf := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			line, err = r.ReadSlice('\n')
			buf = append(buf, line...)
		}
		line = buf
	}
	out.Write(line)
	if err != nil {
		return "", err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return "", fmt.Errorf("reply line not terminated by CRLF: %s", Escape(line))
	}
	return string(line[:len(line)-2]), nil
}

func readValue(r *bufio.Reader, out *bytes.Buffer) error {
	line, err := readLine(r, out)
	if err != nil {
		return err
	}
	if line == "" {
		return fmt.Errorf("empty reply line")
	}
	typ, rest := line[0], line[1:]
	switch typ {
	case '+', '-', ':', '_', '#', ',', '(':
		return nil
	case '$', '!', '=':
		n, err := strconv.Atoi(rest)
		if err != nil {
			return fmt.Errorf("bad length in %q", line)
		}
		if n < 0 {
			return nil
		}
		if _, err := io.CopyN(out, r, int64(n)+2); err != nil {
			return err
		}
		b := out.Bytes()
		if !bytes.HasSuffix(b, []byte("\r\n")) {
			return fmt.Errorf("bulk payload not followed by CRLF")
		}
		return nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(rest)
		if err != nil {
			return fmt.Errorf("bad count in %q", line)
		}
		if typ == '%' || typ == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := readValue(r, out); err != nil {
				return err
			}
		}
		if typ == '|' {
			// An attribute precedes the real reply.
			return readValue(r, out)
		}
		return nil
	default:
		return fmt.Errorf("unknown reply type byte %q in line %s", typ, Escape([]byte(line)))
	}
}

// DoErr sends a command and reads its reply.
func (c *Conn) DoErr(args ...string) ([]byte, error) {
	if err := c.SendCmd(args...); err != nil {
		return nil, err
	}
	return c.ReadReply(ReplyTimeout)
}

// Do sends a command and returns its raw reply; a failure is fatal for the test.
func (c *Conn) Do(args ...string) []byte {
	if c.t != nil {
		c.t.Helper()
	}
	r, err := c.DoErr(args...)
	if err != nil {
		c.fatalf("%s: %v", strings.Join(args, " "), err)
	}
	return r
}

// DoStr is Do returning a string.
func (c *Conn) DoStr(args ...string) string { return string(c.Do(args...)) }

// Expect sends a command and checks the raw reply.
func (c *Conn) Expect(want string, args ...string) {
	if c.t != nil {
		c.t.Helper()
	}
	got := c.Do(args...)
	if string(got) != want {
		c.errorf("%s: got %s, want %s%s", QuoteArgs(args), Escape(got), Escape([]byte(want)), DiffNote(string(got), want))
	}
}

// Read reads one reply; a failure is fatal for the test.
func (c *Conn) Read() []byte {
	if c.t != nil {
		c.t.Helper()
	}
	r, err := c.ReadReply(ReplyTimeout)
	if err != nil {
		c.fatalf("read reply: %v", err)
	}
	return r
}

// ExpectClosed checks that the server closes the connection (after any pending bytes have
// been consumed) within the timeout. It returns the extra bytes that arrived before EOF.
func (c *Conn) ExpectClosed(timeout time.Duration) ([]byte, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(timeout))
	b, err := io.ReadAll(c.r)
	if err == nil || isClosedErr(err) {
		return b, nil
	}
	return b, err
}

func (c *Conn) fatalf(format string, a ...any) {
	if c.t != nil {
		c.t.Helper()
		c.t.Fatalf(format, a...)
	}
	panic(fmt.Sprintf(format, a...))
}

func (c *Conn) errorf(format string, a ...any) {
	if c.t != nil {
		c.t.Helper()
		c.t.Errorf(format, a...)
		return
	}
	panic(fmt.Sprintf(format, a...))
}

// Escape renders bytes as a Go-like quoted string, showing CR/LF and non-printables.
func Escape(b []byte) string {
	const max = 600
	s := strconv.Quote(string(trunc(b, max)))
	if len(b) > max {
		s += fmt.Sprintf("...(%d bytes total)", len(b))
	}
	return s
}

func trunc(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// QuoteArgs renders a command for messages.
func QuoteArgs(args []string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = QuoteArg(a)
	}
	return strings.Join(parts, " ")
}

// QuoteArg quotes one argument in redis-cli style when needed.
func QuoteArg(a string) string {
	plain := a != ""
	for i := 0; i < len(a); i++ {
		ch := a[i]
		if ch <= ' ' || ch >= 0x7f || ch == '"' || ch == '\'' || ch == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return a
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(a); i++ {
		ch := a[i]
		switch {
		case ch == '\\' || ch == '"':
			b.WriteByte('\\')
			b.WriteByte(ch)
		case ch == '\n':
			b.WriteString(`\n`)
		case ch == '\r':
			b.WriteString(`\r`)
		case ch == '\t':
			b.WriteString(`\t`)
		case ch < ' ' || ch >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, ch)
		default:
			b.WriteByte(ch)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// DiffNote locates the first difference between two long texts, for messages where the
// escaped values would be cut before it.
func DiffNote(got, want string) string {
	if len(got) < 200 && len(want) < 200 {
		return ""
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := i - 40
	if from < 0 {
		from = 0
	}
	end := func(s string) string {
		e := i + 80
		if e > len(s) {
			e = len(s)
		}
		if from > len(s) {
			return ""
		}
		return s[from:e]
	}
	return fmt.Sprintf("\n  first difference at byte %d (lengths %d and %d):\n  got  ...%s\n  want ...%s",
		i, len(got), len(want), strconv.Quote(end(got)), strconv.Quote(end(want)))
}
