package integration

// Protocol suite: malformed input, inline requests, pipelining, limits and memory safety,
// all over raw sockets so that the exact bytes on the wire are checked.

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tessera/tests/integration/internal/harness"
)

// expectErrorThenClose sends input on a fresh connection and checks that the server answers
// exactly want (earlier replies included) and then closes the connection.
func expectErrorThenClose(t *testing.T, srv *harness.Server, input []byte, want string) {
	t.Helper()
	c := srv.Dial(t)
	if err := c.Send(input); err != nil {
		// The server may close while we are still writing a large input.
		t.Logf("send: %v", err)
	}
	got, err := c.ExpectClosed(harness.ReplyTimeout)
	if err != nil {
		t.Fatalf("connection not closed after %s: %v (received %s)", harness.Escape(trunc(input, 60)), err, harness.Escape(got))
	}
	if string(got) != want {
		t.Fatalf("input %s:\n got  %s\n want %s", harness.Escape(trunc(input, 60)), harness.Escape(got), harness.Escape([]byte(want)))
	}
}

func trunc(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

func TestProtocolMalformed(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	const pe = "-ERR Protocol error: "
	cases := []struct {
		name  string
		input []byte
		want  string
	}{
		{"multibulk count not a number", []byte("*abc\r\n"), pe + "invalid multibulk length\r\n"},
		{"multibulk count above INT_MAX", []byte("*3000000000\r\n"), pe + "invalid multibulk length\r\n"},
		{"multibulk count 2147483648", []byte("*2147483648\r\n"), pe + "invalid multibulk length\r\n"},
		{"bulk header missing", []byte("*2\r\nfoo\r\n"), pe + "expected '$', got 'f'\r\n"},
		{"integer instead of bulk", []byte("*2\r\n$3\r\nGET\r\n:1\r\n"), pe + "expected '$', got ':'\r\n"},
		{"negative bulk length", []byte("*1\r\n$-5\r\n"), pe + "invalid bulk length\r\n"},
		{"huge bulk length", []byte("*1\r\n$999999999999\r\n"), pe + "invalid bulk length\r\n"},
		{"bulk length not a number", []byte("*1\r\n$abc\r\n"), pe + "invalid bulk length\r\n"},
		{"bulk length above proto-max-bulk-len", []byte("*1\r\n$536870913\r\n"), pe + "invalid bulk length\r\n"},
		{"unbalanced double quote", []byte("SET \"a b\r\n"), pe + "unbalanced quotes in request\r\n"},
		{"unbalanced single quote", []byte("SET k 'a\r\n"), pe + "unbalanced quotes in request\r\n"},
		{"closing quote followed by a letter", []byte("ECHO \"a\"b\r\n"), pe + "unbalanced quotes in request\r\n"},
		{"inline request too big", bytes.Repeat([]byte("A"), 70000), pe + "too big inline request\r\n"},
		{"multibulk count string too big", append([]byte("*"), bytes.Repeat([]byte("1"), 70000)...), pe + "too big mbulk count string\r\n"},
		{"bulk count string too big", append([]byte("*1\r\n$"), bytes.Repeat([]byte("1"), 70000)...), pe + "too big bulk count string\r\n"},
		{"earlier replies are kept", []byte("PING\r\n*abc\r\n"), "+PONG\r\n" + pe + "invalid multibulk length\r\n"},
		{"earlier pipelined replies are kept", []byte("SET a 1\r\nGET a\r\n*1\r\n$4\r\nPING\r\n*2\r\nfoo\r\n"),
			"+OK\r\n$1\r\n1\r\n+PONG\r\n" + pe + "expected '$', got 'f'\r\n"},
		{"error inside a pipeline drops what follows", []byte("PING\r\n*1\r\n$-1\r\nPING\r\n"), "+PONG\r\n" + pe + "invalid bulk length\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { expectErrorThenClose(t, srv, tc.input, tc.want) })
	}
	// The server survived all of it.
	srv.Dial(t).Expect("+PONG\r\n", "PING")
}

func TestProtocolInline(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	c := srv.Dial(t)
	cases := []struct {
		in, want string
	}{
		{"PING\r\n", "+PONG\r\n"},
		{"PING\n", "+PONG\r\n"},
		{"\r\n\r\nPING\r\n", "+PONG\r\n"},
		{"\n\n\nPING\n", "+PONG\r\n"},
		{"   PING   \r\n", "+PONG\r\n"},
		{"\tping\t\r\n", "+PONG\r\n"},
		{"ECHO \"\\x41\\n\"\r\n", "$2\r\nA\n\r\n"},
		{"ECHO \"a\\tb\\r\\n\\\\\\\"\"\r\n", "$7\r\na\tb\r\n\\\"\r\n"},
		{"ECHO \"\\b\\a\"\r\n", "$2\r\n\b\a\r\n"},
		{"ECHO \"\\xzz\"\r\n", "$3\r\nxzz\r\n"},
		{"ECHO \"\\x4\"\r\n", "$2\r\nx4\r\n"},
		{"ECHO 'it\\'s'\r\n", "$4\r\nit's\r\n"},
		{"ECHO 'no \\n escapes'\r\n", "$13\r\nno \\n escapes\r\n"},
		{"ECHO \\x20\r\n", "$4\r\n\\x20\r\n"},
		{"ECHO \"\"\r\n", "$0\r\n\r\n"},
		{"ECHO ''\r\n", "$0\r\n\r\n"},
		{"ECHO a\"b c\"d\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
		{"SET k \"hello world\"\r\n", "+OK\r\n"},
		{"GET k\r\n", "$11\r\nhello world\r\n"},
		{"ECHO a b\r\n", "-ERR wrong number of arguments for 'echo' command\r\n"},
		{"NOSUCH 'x y' z\r\n", "-ERR unknown command 'NOSUCH', with args beginning with: 'x y' 'z' \r\n"},
	}
	for _, tc := range cases {
		if strings.Contains(tc.want, "unbalanced") {
			continue // closes the connection; checked below on its own connection
		}
		if err := c.Send([]byte(tc.in)); err != nil {
			t.Fatalf("send: %v", err)
		}
		got := c.Read()
		if string(got) != tc.want {
			t.Errorf("inline %s: got %s, want %s", harness.Escape([]byte(tc.in)), harness.Escape(got), harness.Escape([]byte(tc.want)))
		}
	}
	// Inline and multibulk requests mixed in one write, replies in order.
	mixed := "SET a 1\r\n" + string(harness.EncodeCmd("INCR", "a")) + "GET a\n" + string(harness.EncodeCmd("ECHO", "x y"))
	if err := c.Send([]byte(mixed)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"+OK\r\n", ":2\r\n", "$1\r\n2\r\n", "$3\r\nx y\r\n"} {
		if got := c.Read(); string(got) != want {
			t.Errorf("mixed pipeline: got %s, want %s", harness.Escape(got), harness.Escape([]byte(want)))
		}
	}
	expectErrorThenClose(t, srv, []byte("ECHO a\"b c\"d\r\n"), "-ERR Protocol error: unbalanced quotes in request\r\n")
}

func TestProtocolEmptyMultibulkSkipped(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	c := srv.Dial(t)
	if err := c.Send([]byte("*0\r\n*-1\r\n*0\r\nPING\r\n*-1\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := c.Read(); string(got) != "+PONG\r\n" {
		t.Fatalf("got %s, want +PONG", harness.Escape(got))
	}
	// Nothing else was queued for the skipped requests: the next reply is ECHO's.
	c.Expect("$4\r\nnext\r\n", "ECHO", "next")
}

func TestProtocolBigPipeline(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	c := srv.Dial(t)
	const n = 10000
	var buf bytes.Buffer
	want := make([]string, n)
	for i := 0; i < n; i++ {
		switch i % 4 {
		case 0:
			buf.Write(harness.EncodeCmd("INCR", "counter"))
			want[i] = fmt.Sprintf(":%d\r\n", i/4+1)
		case 1:
			v := "v" + strconv.Itoa(i)
			buf.Write(harness.EncodeCmd("SET", "k"+strconv.Itoa(i), v))
			want[i] = "+OK\r\n"
		case 2:
			buf.Write(harness.EncodeCmd("GET", "k"+strconv.Itoa(i-1)))
			v := "v" + strconv.Itoa(i-1)
			want[i] = fmt.Sprintf("$%d\r\n%s\r\n", len(v), v)
		case 3:
			fmt.Fprintf(&buf, "ECHO e%d\r\n", i)
			e := "e" + strconv.Itoa(i)
			want[i] = fmt.Sprintf("$%d\r\n%s\r\n", len(e), e)
		}
	}
	// One write from another goroutine, so that neither side blocks on full socket buffers.
	errc := make(chan error, 1)
	go func() { errc <- c.Send(buf.Bytes()) }()
	bad := 0
	for i := 0; i < n; i++ {
		got, err := c.ReadReply(harness.ReplyTimeout)
		if err != nil {
			t.Fatalf("reply %d of %d: %v", i+1, n, err)
		}
		if string(got) != want[i] && bad < 10 {
			bad++
			t.Errorf("reply %d: got %s, want %s", i+1, harness.Escape(got), harness.Escape([]byte(want[i])))
		}
	}
	if err := <-errc; err != nil {
		t.Fatalf("write pipeline: %v", err)
	}
	c.Expect("$4\r\n2500\r\n", "GET", "counter")
	c.Expect(":2501\r\n", "DBSIZE")
}

func TestProtocolByteByByte(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	c := srv.Dial(t)
	if tc, ok := c.NetConn().(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	pipeline := string(harness.EncodeCmd("SET", "k", "hello")) +
		"GET k\r\n" +
		string(harness.EncodeCmd("ECHO", "")) +
		"PING\n" +
		string(harness.EncodeCmd("APPEND", "k", " wor\r\nld")) +
		"ECHO \"q\\x41\"\r\n"
	want := []string{"+OK\r\n", "$5\r\nhello\r\n", "$0\r\n\r\n", "+PONG\r\n", ":13\r\n", "$2\r\nqA\r\n"}
	for i := 0; i < len(pipeline); i++ {
		if err := c.Send([]byte{pipeline[i]}); err != nil {
			t.Fatalf("send byte %d: %v", i, err)
		}
		// A short pause so that the bytes arrive in separate segments.
		time.Sleep(300 * time.Microsecond)
	}
	for _, w := range want {
		if got := c.Read(); string(got) != w {
			t.Errorf("got %s, want %s", harness.Escape(got), harness.Escape([]byte(w)))
		}
	}
}

func TestProtocolHugeAnnouncements(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	probe := srv.Dial(t)
	probe.Expect("+PONG\r\n", "PING")
	before, err := srv.RSSKiB()
	if err != nil {
		t.Fatalf("read RSS: %v", err)
	}

	// 4 GB bulk: above proto-max-bulk-len, refused like Redis does.
	expectErrorThenClose(t, srv, []byte("*1\r\n$4294967296\r\n"), "-ERR Protocol error: invalid bulk length\r\n")
	probe.Expect("+PONG\r\n", "PING")

	// 2147483647 arguments announced, nothing sent after it: the server must wait without
	// reserving memory for them, and keep serving other clients.
	var hold []*harness.Conn
	for i := 0; i < 4; i++ {
		h := srv.Dial(t)
		if err := h.Send([]byte("*2147483647\r\n")); err != nil {
			t.Fatal(err)
		}
		hold = append(hold, h)
	}
	// A bulk announcement of 1 MB in the middle of an argument list, never completed.
	h := srv.Dial(t)
	if err := h.Send([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000000\r\nabc")); err != nil {
		t.Fatal(err)
	}
	hold = append(hold, h)
	// Served within the reply deadline while the partial requests are pending.
	for i := 0; i < 20; i++ {
		probe.Expect("+PONG\r\n", "PING")
	}
	// Other clients are served on new connections too.
	other := srv.Dial(t)
	other.Expect("+OK\r\n", "SET", "x", "1")
	other.Expect("$1\r\n1\r\n", "GET", "x")

	after, err := srv.RSSKiB()
	if err != nil {
		t.Fatalf("read RSS: %v", err)
	}
	t.Logf("VmRSS before %d KiB, after %d KiB", before, after)
	// 64 MiB of slack covers allocator noise; reserving space for 2^31 argument pointers
	// (16 GiB) or for the announced bulk would be far above it.
	if after-before > 64*1024 {
		t.Errorf("RSS grew by %d KiB after huge announcements", after-before)
	}
	// The held connections are still open and unanswered (the server waits for the rest):
	// a short read must time out rather than see a reply or the end of the stream.
	for i, hc := range hold {
		got, err := hc.ReadReply(200 * time.Millisecond)
		if err == nil || !harness.IsTimeout(err) {
			t.Errorf("held connection %d: expected no reply and no close, got %s %v", i, harness.Escape(got), err)
		}
	}
}

func TestProtocolLargeValueInChunks(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	c := srv.Dial(t)
	const size = 100 << 20
	value := make([]byte, size)
	for i := range value {
		value[i] = byte('a' + (i*7+i/4096)%26)
	}
	header := fmt.Sprintf("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n", size)
	errc := make(chan error, 1)
	go func() {
		if err := c.Send([]byte(header)); err != nil {
			errc <- err
			return
		}
		const chunk = 16 << 10
		for off := 0; off < size; off += chunk {
			end := off + chunk
			if end > size {
				end = size
			}
			if err := c.Send(value[off:end]); err != nil {
				errc <- err
				return
			}
		}
		errc <- c.Send([]byte("\r\n"))
	}()
	if err := <-errc; err != nil {
		t.Fatalf("send 100 MB value: %v", err)
	}
	if got := c.Read(); string(got) != "+OK\r\n" {
		t.Fatalf("SET big: %s", harness.Escape(got))
	}
	c.Expect(fmt.Sprintf(":%d\r\n", size), "STRLEN", "big")
	c.Expect(fmt.Sprintf("$10\r\n%s\r\n", value[size/2:size/2+10]), "GETRANGE", "big", strconv.Itoa(size/2), strconv.Itoa(size/2+9))
	got := c.Do("GET", "big")
	prefix := fmt.Sprintf("$%d\r\n", size)
	if !bytes.HasPrefix(got, []byte(prefix)) || len(got) != len(prefix)+size+2 {
		t.Fatalf("GET big: unexpected reply of %d bytes starting %s", len(got), harness.Escape(trunc(got, 40)))
	}
	if sha256.Sum256(got[len(prefix):len(prefix)+size]) != sha256.Sum256(value) {
		t.Fatalf("GET big: value differs from what was sent")
	}
	c.Expect(":1\r\n", "DEL", "big")
}

func TestProtocolUnauthenticatedLimits(t *testing.T) {
	srv := harness.Start(t, harness.Options{Args: []string{"--requirepass", "s3cret"}, Password: "s3cret"})
	const pe = "-ERR Protocol error: "
	t.Run("multibulk over 10", func(t *testing.T) {
		expectErrorThenClose(t, srv, []byte("*11\r\n"), pe+"unauthenticated multibulk length\r\n")
	})
	t.Run("bulk over 16384", func(t *testing.T) {
		expectErrorThenClose(t, srv, []byte("*1\r\n$16385\r\n"), pe+"unauthenticated bulk length\r\n")
	})
	t.Run("at the limits", func(t *testing.T) {
		c := srv.Dial(t)
		args := []string{"MSET"}
		for i := 0; i < 9; i++ {
			args = append(args, "x")
		}
		c.Expect("-NOAUTH Authentication required.\r\n", args...)
		c.Expect("-NOAUTH Authentication required.\r\n", "ECHO", strings.Repeat("b", 16384))
		c.Expect("+OK\r\n", "AUTH", "s3cret")
		// Once authenticated the limits no longer apply.
		big := []string{"MSET"}
		for i := 0; i < 6; i++ {
			big = append(big, fmt.Sprintf("k%d", i), "v")
		}
		c.Expect("+OK\r\n", big...)
		c.Expect("$20000\r\n"+strings.Repeat("c", 20000)+"\r\n", "ECHO", strings.Repeat("c", 20000))
	})
	t.Run("inline requests unauthenticated", func(t *testing.T) {
		c := srv.Dial(t)
		if err := c.Send([]byte("GET k0\r\n")); err != nil {
			t.Fatal(err)
		}
		if got := c.Read(); string(got) != "-NOAUTH Authentication required.\r\n" {
			t.Errorf("got %s", harness.Escape(got))
		}
	})
}

// TestProtocolConcurrentClients runs several clients pipelining at once; each must see its
// own replies in order.
func TestProtocolConcurrentClients(t *testing.T) {
	srv := harness.Start(t, harness.Options{})
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c, err := harness.DialTimeout(srv.Addr(), 10*time.Second)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer c.Close()
			key := fmt.Sprintf("ctr%d", w)
			var buf bytes.Buffer
			for i := 0; i < 2000; i++ {
				buf.Write(harness.EncodeCmd("INCR", key))
			}
			go c.Send(buf.Bytes())
			for i := 1; i <= 2000; i++ {
				got, err := c.ReadReply(harness.ReplyTimeout)
				if err != nil || string(got) != fmt.Sprintf(":%d\r\n", i) {
					errs <- fmt.Sprintf("client %d reply %d: %s %v", w, i, harness.Escape(got), err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
