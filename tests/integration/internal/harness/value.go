package harness

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Value is a parsed RESP reply.
type Value struct {
	Type  byte   // first byte of the reply: + - : $ * _ # , ( ! = % ~ >
	Str   string // payload of simple/bulk/verbatim strings, errors, numbers
	Null  bool   // $-1, *-1 or _
	Elems []Value
}

// Parse parses one raw reply.
func Parse(raw []byte) (Value, error) {
	r := bufio.NewReader(bytes.NewReader(raw))
	v, err := parseValue(r)
	if err != nil {
		return v, err
	}
	if _, err := r.ReadByte(); err == nil {
		return v, fmt.Errorf("trailing bytes after reply %s", Escape(raw))
	}
	return v, nil
}

// MustParse parses a reply or returns an error value describing the parse failure.
func MustParse(raw []byte) Value {
	v, err := Parse(raw)
	if err != nil {
		return Value{Type: '?', Str: err.Error()}
	}
	return v
}

func parseValue(r *bufio.Reader) (Value, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return Value{}, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return Value{}, fmt.Errorf("empty line")
	}
	v := Value{Type: line[0], Str: line[1:]}
	switch v.Type {
	case '+', '-', ':', '#', ',', '(':
		return v, nil
	case '_':
		v.Null = true
		return v, nil
	case '$', '!', '=':
		n, err := strconv.Atoi(v.Str)
		if err != nil {
			return v, err
		}
		if n < 0 {
			v.Null = true
			v.Str = ""
			return v, nil
		}
		b := make([]byte, n+2)
		if _, err := ioReadFull(r, b); err != nil {
			return v, err
		}
		v.Str = string(b[:n])
		return v, nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(v.Str)
		if err != nil {
			return v, err
		}
		v.Str = ""
		if n < 0 {
			v.Null = true
			return v, nil
		}
		if v.Type == '%' || v.Type == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			e, err := parseValue(r)
			if err != nil {
				return v, err
			}
			v.Elems = append(v.Elems, e)
		}
		if v.Type == '|' {
			return parseValue(r)
		}
		return v, nil
	}
	return v, fmt.Errorf("unknown type %q", v.Type)
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// IsError reports whether the reply is an error (simple or blob).
func (v Value) IsError() bool { return v.Type == '-' || v.Type == '!' }

// Int returns the integer payload.
func (v Value) Int() int64 {
	n, _ := strconv.ParseInt(v.Str, 10, 64)
	return n
}

// Text returns the payload of a verbatim string without its "txt:" prefix, else Str.
func (v Value) Text() string {
	if v.Type == '=' && len(v.Str) >= 4 {
		return v.Str[4:]
	}
	return v.Str
}

// Shape renders the RESP type structure of a raw reply: types and aggregate sizes, without
// payloads. Used for replies whose content legitimately differs between two servers.
func Shape(raw []byte) string {
	v, err := Parse(raw)
	if err != nil {
		return "unparsable(" + err.Error() + ")"
	}
	var b strings.Builder
	writeShape(&b, v)
	return b.String()
}

func writeShape(b *strings.Builder, v Value) {
	b.WriteByte(v.Type)
	if v.Null {
		b.WriteString("null")
		return
	}
	switch v.Type {
	case '*', '~', '>', '%':
		fmt.Fprintf(b, "%d[", len(v.Elems))
		for i, e := range v.Elems {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeShape(b, e)
		}
		b.WriteByte(']')
	case '-':
		// The error code (first word) is part of the shape.
		code := v.Str
		if i := strings.IndexByte(code, ' '); i >= 0 {
			code = code[:i]
		}
		b.WriteString(code)
	}
}

// TopType is the first byte of a reply.
func TopType(raw []byte) string {
	if len(raw) == 0 {
		return "(none)"
	}
	return string(raw[:1])
}

// MaskInts replaces the value of every integer reply (":123") by ":?".
func MaskInts(raw []byte) string {
	v, err := Parse(raw)
	if err != nil {
		return "unparsable(" + err.Error() + ")"
	}
	var b bytes.Buffer
	writeMasked(&b, v)
	return b.String()
}

func writeMasked(b *bytes.Buffer, v Value) {
	switch v.Type {
	case ':':
		b.WriteString(":?\r\n")
	case '$', '!', '=':
		if v.Null {
			fmt.Fprintf(b, "%c-1\r\n", v.Type)
			return
		}
		fmt.Fprintf(b, "%c%d\r\n%s\r\n", v.Type, len(v.Str), v.Str)
	case '*', '~', '>', '%':
		if v.Null {
			fmt.Fprintf(b, "%c-1\r\n", v.Type)
			return
		}
		n := len(v.Elems)
		if v.Type == '%' {
			n /= 2
		}
		fmt.Fprintf(b, "%c%d\r\n", v.Type, n)
		for _, e := range v.Elems {
			writeMasked(b, e)
		}
	default:
		fmt.Fprintf(b, "%c%s\r\n", v.Type, v.Str)
	}
}

// ParseInfo parses INFO text into a field map (section headers and blank lines skipped).
func ParseInfo(text string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(text, "\r\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.IndexByte(line, ':'); i > 0 {
			m[line[:i]] = line[i+1:]
		}
	}
	return m
}

// SplitArgs splits a line the way redis-cli and inline requests do: whitespace separates,
// "..." supports \n \r \t \b \a \\ \" \xHH escapes, '...' supports only \'. A closing quote
// must be followed by whitespace or the end of the line.
func SplitArgs(line string) ([]string, error) {
	var args []string
	i := 0
	n := len(line)
	for {
		for i < n && isSpace(line[i]) {
			i++
		}
		if i >= n {
			return args, nil
		}
		var cur []byte
		inDq, inSq, done := false, false, false
		for !done {
			if inDq {
				if i >= n {
					return nil, fmt.Errorf("unbalanced quotes")
				}
				ch := line[i]
				if ch == '\\' && i+3 < n && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]) {
					v, _ := strconv.ParseUint(line[i+2:i+4], 16, 8)
					cur = append(cur, byte(v))
					i += 3
				} else if ch == '\\' && i+1 < n {
					i++
					switch line[i] {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, line[i])
					}
				} else if ch == '"' {
					if i+1 < n && !isSpace(line[i+1]) {
						return nil, fmt.Errorf("closing quote must be followed by a space")
					}
					done = true
				} else {
					cur = append(cur, ch)
				}
			} else if inSq {
				if i >= n {
					return nil, fmt.Errorf("unbalanced quotes")
				}
				ch := line[i]
				if ch == '\\' && i+1 < n && line[i+1] == '\'' {
					i++
					cur = append(cur, '\'')
				} else if ch == '\'' {
					if i+1 < n && !isSpace(line[i+1]) {
						return nil, fmt.Errorf("closing quote must be followed by a space")
					}
					done = true
				} else {
					cur = append(cur, ch)
				}
			} else {
				if i >= n {
					break
				}
				ch := line[i]
				switch {
				case isSpace(ch):
					done = true
				case ch == '"':
					inDq = true
				case ch == '\'':
					inSq = true
				default:
					cur = append(cur, ch)
				}
			}
			if i < n {
				i++
			}
		}
		args = append(args, string(cur))
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == 0
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
