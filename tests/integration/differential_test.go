package integration

// Differential test: every command of testdata/corpus.txt is sent to a fresh reference
// redis-server and to a fresh Tessera over raw sockets, and the raw reply bytes are compared.
// The corpus format is described at the top of testdata/corpus.txt.

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"tessera/tests/integration/internal/harness"
)

// Reply timeout for one corpus command; a hang costs this once, then both sides reconnect.
const diffReplyTimeout = 10 * time.Second

type corpusLine struct {
	lineNo  int
	text    string // the command as written, without markers
	args    []string
	markers map[string]bool
}

type corpusSection struct {
	title string
	lines []corpusLine
}

var knownMarkers = map[string]bool{
	"#shape": true, "#type": true, "#noint": true, "#skip": true, "#noreply": true,
	"#close": true, "#sorted": true, "#inline": true,
}

func loadCorpus(t *testing.T, path string) []corpusSection {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open corpus: %v", err)
	}
	defer f.Close()
	var sections []corpusSection
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		raw := strings.TrimRight(sc.Text(), " \t")
		trimmed := strings.TrimSpace(raw)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasPrefix(trimmed, "===") {
			sections = append(sections, corpusSection{title: strings.TrimSpace(strings.TrimLeft(trimmed, "="))})
			continue
		}
		if len(sections) == 0 {
			t.Fatalf("corpus line %d: command before the first === section", n)
		}
		cl := corpusLine{lineNo: n, markers: map[string]bool{}}
		// Markers are trailing unquoted words starting with '#'.
		text := raw
		for {
			i := strings.LastIndex(text, " #")
			if i < 0 {
				break
			}
			word := text[i+1:]
			if !knownMarkers[word] {
				break
			}
			cl.markers[word] = true
			text = strings.TrimRight(text[:i], " ")
		}
		cl.text = text
		args, err := harness.SplitArgs(text)
		if err != nil {
			t.Fatalf("corpus line %d: %v: %s", n, err, raw)
		}
		cl.args = args
		s := &sections[len(sections)-1]
		s.lines = append(s.lines, cl)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read corpus: %v", err)
	}
	return sections
}

type diffPair struct {
	ref, tess *harness.Conn
	refSrv    *harness.Server
	tessSrv   *harness.Server
}

func (p *diffPair) dial(t *testing.T) {
	t.Helper()
	p.close()
	var err error
	if p.ref, err = harness.DialTimeout(p.refSrv.Addr(), 10*time.Second); err != nil {
		t.Fatalf("dial reference: %v", err)
	}
	if p.tess, err = harness.DialTimeout(p.tessSrv.Addr(), 10*time.Second); err != nil {
		t.Fatalf("dial tessera: %v", err)
	}
}

// resync sends a marker ECHO to both sides and discards whatever arrives before its reply.
// It returns a note when something had to be discarded or the marker never came back.
func (p *diffPair) resync(n int) string {
	marker := fmt.Sprintf("resync-%d", n)
	want := fmt.Sprintf("$%d\r\n%s\r\n", len(marker), marker)
	var notes []string
	for _, side := range []struct {
		name string
		c    *harness.Conn
	}{{"redis", p.ref}, {"tessera", p.tess}} {
		if err := side.c.SendCmd("ECHO", marker); err != nil {
			notes = append(notes, side.name+": reconnected ("+err.Error()+")")
			continue
		}
		var stray []string
		for {
			r, err := side.c.ReadReply(5 * time.Second)
			if err != nil {
				notes = append(notes, fmt.Sprintf("%s: marker lost, reconnected (%v)", side.name, err))
				break
			}
			if string(r) == want {
				break
			}
			stray = append(stray, harness.Escape(r))
		}
		if len(stray) > 0 {
			notes = append(notes, fmt.Sprintf("%s sent %d stray replies after it: %s", side.name, len(stray), strings.Join(stray, " ")))
		}
	}
	return strings.Join(notes, "; ")
}

func (p *diffPair) close() {
	if p.ref != nil {
		p.ref.Close()
	}
	if p.tess != nil {
		p.tess.Close()
	}
}

type mismatch struct {
	section string
	line    corpusLine
	how     string
	ref     string
	tess    string
}

func (m mismatch) String() string {
	return fmt.Sprintf("corpus line %d [%s] %s%s\n    compared: %s\n    redis:    %s\n    tessera:  %s",
		m.line.lineNo, m.section, m.line.text, markerSuffix(m.line), m.how, m.ref, m.tess)
}

func markerSuffix(l corpusLine) string {
	var ms []string
	for k := range l.markers {
		ms = append(ms, k)
	}
	sort.Strings(ms)
	if len(ms) == 0 {
		return ""
	}
	return "  " + strings.Join(ms, " ")
}

// diffMode is one way of replaying the corpus.
type diffMode struct {
	name      string
	resp3     bool // every section starts with HELLO 3
	pipelined bool // every section is sent in one write, replies read afterwards
}

var diffModes = []diffMode{
	{name: "RESP2"},
	{name: "RESP3", resp3: true},
	{name: "RESP2-pipelined", pipelined: true},
}

// TestDifferential replays the corpus three times against the same pair of servers: one
// request at a time in RESP2, the same after HELLO 3 (every reply in its RESP3 form), and
// with each section pipelined in a single write.
func TestDifferential(t *testing.T) {
	requireReference(t)
	sections := loadCorpus(t, filepath.Join("testdata", "corpus.txt"))
	common := []string{"--save", "", "--appendonly", "no", "--enable-debug-command", "local"}
	p := &diffPair{
		refSrv:  harness.Start(t, harness.Options{Reference: true, Args: common}),
		tessSrv: harness.Start(t, harness.Options{Args: common}),
	}
	defer p.close()
	var report strings.Builder
	for _, mode := range diffModes {
		t.Run(mode.name, func(t *testing.T) {
			mismatches, total := runCorpus(t, p, sections, mode)
			fmt.Fprintf(&report, "== %s: %d commands, %d mismatches\n", mode.name, total, len(mismatches))
			for _, m := range mismatches {
				report.WriteString(m.String())
				report.WriteString("\n")
				t.Errorf("mismatch: %s", m)
			}
			t.Logf("%s: %d corpus commands compared, %d mismatches", mode.name, total, len(mismatches))
		})
	}
	writeReport(t, "differential-report.txt", report.String())
}

func runCorpus(t *testing.T, p *diffPair, sections []corpusSection, mode diffMode) ([]mismatch, int) {
	var mismatches []mismatch
	total := 0
	for _, sec := range sections {
		p.dial(t)
		setup := []corpusLine{{text: "FLUSHALL (section reset)", args: []string{"FLUSHALL"}, markers: map[string]bool{}}}
		if mode.resp3 {
			setup = append(setup, corpusLine{text: "HELLO 3 (section setup)", args: []string{"HELLO", "3"},
				markers: map[string]bool{"#noint": true}})
		}
		for _, l := range setup {
			if m, ok := runDiffLine(t, p, sec.title, l); !ok {
				mismatches = append(mismatches, m)
			}
		}
		lines := append([]corpusLine(nil), sec.lines...)
		// Every section ends with a sentinel that catches stray or missing replies.
		lines = append(lines, corpusLine{lineNo: 0, text: "ECHO end-of-section (sentinel)",
			args: []string{"ECHO", "end-of-section"}, markers: map[string]bool{}})
		if mode.pipelined {
			ms, n := runPipelinedSection(t, p, sec.title, lines)
			mismatches = append(mismatches, ms...)
			total += n
			continue
		}
		for _, l := range lines {
			total++
			if m, ok := runDiffLine(t, p, sec.title, l); !ok {
				if strings.HasPrefix(m.how, "transport") {
					p.dial(t)
				} else if note := p.resync(total); note != "" {
					// A malformed reply (wrong aggregate count) or an extra reply leaves bytes
					// behind; drop them so that the next lines are compared in step.
					m.how += "; " + note
					if strings.Contains(note, "reconnected") {
						p.dial(t)
					}
				}
				mismatches = append(mismatches, m)
			}
		}
	}
	p.close()
	return mismatches, total
}

// runPipelinedSection sends all requests of a section in one write to each server, then
// compares the replies one by one. Sections that close the connection are skipped.
func runPipelinedSection(t *testing.T, p *diffPair, section string, lines []corpusLine) ([]mismatch, int) {
	var buf bytes.Buffer
	for _, l := range lines {
		if l.markers["#close"] {
			return nil, 0
		}
		if l.markers["#inline"] {
			buf.WriteString(l.text + "\r\n")
		} else {
			buf.Write(harness.EncodeCmd(l.args...))
		}
	}
	errs := make(chan error, 2)
	go func() { errs <- p.ref.Send(buf.Bytes()) }()
	go func() { errs <- p.tess.Send(buf.Bytes()) }()
	var mismatches []mismatch
	n := 0
	for _, l := range lines {
		n++
		if l.markers["#noreply"] {
			continue
		}
		rr, errR := p.ref.ReadReply(diffReplyTimeout)
		rt, errT := p.tess.ReadReply(diffReplyTimeout)
		if errR != nil || errT != nil {
			mismatches = append(mismatches, mismatch{section: section, line: l, how: "transport (read, pipelined; rest of section skipped)",
				ref: describe(rr, errR), tess: describe(rt, errT)})
			p.dial(t)
			break
		}
		if how, ok := compareReplies(l, rr, rt); !ok {
			mismatches = append(mismatches, mismatch{section: section, line: l, how: how + " (pipelined)",
				ref: harness.Escape(rr), tess: harness.Escape(rt) + harness.DiffNote(string(rt), string(rr))})
		}
	}
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Logf("pipelined send in section %s: %v", section, err)
		}
	}
	return mismatches, n
}

// compareReplies applies the line's markers; it returns what was compared and whether the
// replies agree.
func compareReplies(l corpusLine, rr, rt []byte) (string, bool) {
	switch {
	case l.markers["#skip"]:
		return "nothing", true
	case l.markers["#type"]:
		return "top-level type", harness.TopType(rr) == harness.TopType(rt)
	case l.markers["#shape"]:
		return "shape " + harness.Shape(rr) + " vs " + harness.Shape(rt), harness.Shape(rr) == harness.Shape(rt)
	case l.markers["#noint"]:
		return "bytes with integers masked", harness.MaskInts(rr) == harness.MaskInts(rt)
	case l.markers["#sorted"]:
		return "bytes with string arrays sorted", sortedForm(rr) == sortedForm(rt)
	}
	return "raw bytes", bytes.Equal(rr, rt)
}

func runDiffLine(t *testing.T, p *diffPair, section string, l corpusLine) (mismatch, bool) {
	var req []byte
	if l.markers["#inline"] {
		req = []byte(l.text + "\r\n")
	} else {
		req = harness.EncodeCmd(l.args...)
	}
	mk := func(how, ref, tess string) (mismatch, bool) {
		return mismatch{section: section, line: l, how: how, ref: ref, tess: tess}, false
	}
	errR := p.ref.Send(req)
	errT := p.tess.Send(req)
	if errR != nil || errT != nil {
		return mk("transport (send)", fmt.Sprint(errR), fmt.Sprint(errT))
	}
	if l.markers["#noreply"] {
		return mismatch{}, true
	}
	rr, errR := p.ref.ReadReply(diffReplyTimeout)
	rt, errT := p.tess.ReadReply(diffReplyTimeout)
	if errR != nil || errT != nil {
		return mk("transport (read)", describe(rr, errR), describe(rt, errT))
	}
	if l.markers["#close"] {
		_, cr := p.ref.ExpectClosed(diffReplyTimeout)
		_, ct := p.tess.ExpectClosed(diffReplyTimeout)
		p.dial(t)
		if cr != nil || ct != nil {
			return mk("connection closed after reply", fmt.Sprintf("%s then %v", harness.Escape(rr), closedText(cr)),
				fmt.Sprintf("%s then %v", harness.Escape(rt), closedText(ct)))
		}
	}
	if how, ok := compareReplies(l, rr, rt); !ok {
		return mk(how, harness.Escape(rr), harness.Escape(rt)+harness.DiffNote(string(rt), string(rr)))
	}
	return mismatch{}, true
}

func closedText(err error) string {
	if err == nil {
		return "closed"
	}
	return "NOT closed (" + err.Error() + ")"
}

func describe(b []byte, err error) string {
	if err == nil {
		return harness.Escape(b)
	}
	if harness.IsTimeout(err) {
		return fmt.Sprintf("no reply within %v (partial %s)", diffReplyTimeout, harness.Escape(b))
	}
	return fmt.Sprintf("%v (partial %s)", err, harness.Escape(b))
}

// sortedForm re-encodes a reply with the elements of every array of plain strings sorted,
// for replies whose order follows the server's hash table layout (KEYS, SCAN).
func sortedForm(raw []byte) string {
	v, err := harness.Parse(raw)
	if err != nil {
		return "unparsable: " + err.Error()
	}
	var b strings.Builder
	writeSorted(&b, v)
	return b.String()
}

func writeSorted(b *strings.Builder, v harness.Value) {
	if v.Null || (v.Type != '*' && v.Type != '~') {
		fmt.Fprintf(b, "%c%q ", v.Type, v.Str)
		return
	}
	parts := make([]string, len(v.Elems))
	plain := true
	for i, e := range v.Elems {
		var eb strings.Builder
		writeSorted(&eb, e)
		parts[i] = eb.String()
		if e.Type != '$' && e.Type != '+' {
			plain = false
		}
	}
	if plain {
		sort.Strings(parts)
	}
	fmt.Fprintf(b, "%c%d[%s] ", v.Type, len(v.Elems), strings.Join(parts, ""))
}

// writeReport stores a report under tests/integration/.work/ for reading after the run.
func writeReport(t *testing.T, name, text string) {
	dir := filepath.Join(".work")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("cannot write report: %v", err)
		return
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Logf("cannot write report: %v", err)
		return
	}
	abs, _ := filepath.Abs(path)
	t.Logf("report written to %s", abs)
}
