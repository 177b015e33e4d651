// Command summarize reads a `go test -json` stream on standard input, prints one line per
// test as results arrive (with the test's output when it failed), and ends with the line
// "N passed, M failed" (", K skipped" when some were skipped). It exits non-zero when a test
// or a package failed, or when no test ran at all.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

type result struct {
	name    string
	action  string
	elapsed float64
}

func main() {
	outputs := map[string]*strings.Builder{}
	var results []result
	pkgFailed := false
	pkgOutput := map[string]*strings.Builder{}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			// Not JSON (build errors are printed as plain text): pass it through.
			fmt.Println(string(line))
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			if e.Test == "" {
				b := pkgOutput[e.Package]
				if b == nil {
					b = &strings.Builder{}
					pkgOutput[e.Package] = b
				}
				b.WriteString(e.Output)
				continue
			}
			b := outputs[key]
			if b == nil {
				b = &strings.Builder{}
				outputs[key] = b
			}
			b.WriteString(e.Output)
		case "pass", "fail", "skip":
			if e.Test == "" {
				if e.Action == "fail" {
					pkgFailed = true
					fmt.Printf("FAIL package %s\n", e.Package)
					if b := pkgOutput[e.Package]; b != nil {
						fmt.Print(indent(b.String()))
					}
				}
				continue
			}
			results = append(results, result{name: e.Test, action: e.Action, elapsed: e.Elapsed})
			depth := strings.Count(e.Test, "/")
			pad := strings.Repeat("  ", depth)
			switch e.Action {
			case "pass":
				fmt.Printf("%sPASS %s (%.2fs)\n", pad, e.Test, e.Elapsed)
			case "skip":
				fmt.Printf("%sSKIP %s%s\n", pad, e.Test, skipReason(outputs[key]))
			case "fail":
				fmt.Printf("%sFAIL %s (%.2fs)\n", pad, e.Test, e.Elapsed)
				if b := outputs[key]; b != nil && depth == 0 {
					fmt.Print(indent(b.String()))
				}
			}
		}
	}
	// Count leaf tests only: a parent's result repeats its subtests'.
	names := map[string]bool{}
	for _, r := range results {
		names[r.name] = true
	}
	parents := map[string]bool{}
	for n := range names {
		for i := strings.LastIndex(n, "/"); i > 0; i = strings.LastIndex(n[:i], "/") {
			parents[n[:i]] = true
		}
	}
	passed, failed, skipped := 0, 0, 0
	var failedNames []string
	for _, r := range results {
		if parents[r.name] {
			continue
		}
		switch r.action {
		case "pass":
			passed++
		case "fail":
			failed++
			failedNames = append(failedNames, r.name)
		case "skip":
			skipped++
		}
	}
	if pkgFailed && failed == 0 {
		failed = 1
		failedNames = append(failedNames, "(package)")
	}
	sort.Strings(failedNames)
	if len(failedNames) > 0 {
		fmt.Printf("\nfailed: %s\n", strings.Join(failedNames, ", "))
	}
	summary := fmt.Sprintf("%d passed, %d failed", passed, failed)
	if skipped > 0 {
		summary += fmt.Sprintf(", %d skipped", skipped)
	}
	fmt.Println(summary)
	if failed > 0 || pkgFailed || passed+failed == 0 {
		os.Exit(1)
	}
}

func skipReason(b *strings.Builder) string {
	if b == nil {
		return ""
	}
	for _, l := range strings.Split(b.String(), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- SKIP") {
			continue
		}
		return ": " + l
	}
	return ""
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l == "" || strings.HasPrefix(l, "=== RUN") || strings.HasPrefix(l, "=== PAUSE") || strings.HasPrefix(l, "=== CONT") {
			continue
		}
		b.WriteString("    ")
		b.WriteString(l)
	}
	return b.String()
}
