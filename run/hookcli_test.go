package run_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/cocoder/cocoder/run/adapter"
)

// hookCLI is a stand-in for an agent CLI that reports through Claude Code
// style hooks, run as "<test binary> hookcli --settings FILE --steps S --
// PROMPT". It reads the hook settings the engine wrote, as Claude Code
// does, and walks through its steps (comma-separated): an event name
// ("Stop", or "Notification:permission_prompt" for an event with a type)
// runs the hooks the settings install for it, each with a JSON payload on
// its standard input that holds the prompt; "sleep" pauses; "show:TEXT"
// prints TEXT and "clear" clears the screen; "result" writes a PASS result
// for lane lead of adapter hook-cli. It exits when its steps are done.
func hookCLI(args []string) int {
	fs := flag.NewFlagSet("hookcli", flag.ContinueOnError)
	settings := fs.String("settings", "", "hook settings file")
	steps := fs.String("steps", "", "steps")
	pause := fs.Duration("pause", time.Second, "length of a sleep step")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	prompt := strings.Join(fs.Args(), " ")
	var doc adapter.ClaudeSettings
	b, err := os.ReadFile(*settings)
	if err == nil {
		err = json.Unmarshal(b, &doc)
	}
	if err != nil {
		fmt.Println("hookcli: cannot read the settings:", err)
		return 1
	}
	fmt.Println("hookcli: started")
	for _, step := range strings.Split(*steps, ",") {
		switch step {
		case "sleep":
			time.Sleep(*pause)
			continue
		case "clear":
			fmt.Print("\x1b[2J\x1b[H")
			continue
		case "result":
			res := map[string]any{"status": "PASS", "runId": os.Getenv("COCODER_RUN_ID"), "lane": "lead", "persona": "lead",
				"adapter": "hook-cli", "canWrite": false, "filesChanged": []string{"none"}, "summary": "done", "findings": []string{},
				"evidence": []string{"hooks"}, "residualRisk": []string{}, "nextAction": "none"}
			b, _ := json.Marshal(res)
			if err := os.WriteFile(os.Getenv("COCODER_RESULT_FILE"), b, 0o600); err != nil {
				fmt.Println("hookcli:", err)
				return 1
			}
			continue
		}
		if text, ok := strings.CutPrefix(step, "show:"); ok {
			fmt.Println(text)
			continue
		}
		event, typ, _ := strings.Cut(step, ":")
		payload, _ := json.Marshal(map[string]any{"session_id": "s", "hook_event_name": event, "notification_type": typ,
			"message": "needs your permission", "prompt": prompt, "tool_input": map[string]string{"command": prompt}})
		for _, g := range doc.Hooks[event] {
			if g.Matcher != "" && !regexp.MustCompile(g.Matcher).MatchString(typ) {
				continue
			}
			for _, h := range g.Hooks {
				cmd := exec.Command(h.Command, h.Args...)
				cmd.Stdin = bytes.NewReader(payload)
				out, err := cmd.Output()
				fmt.Printf("hookcli: %s hook: exit %v, %d bytes on stdout\n", step, err, len(out))
			}
		}
	}
	return 0
}
