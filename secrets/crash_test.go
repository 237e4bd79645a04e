package secrets_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/secrets"
)

// helperEnv selects what TestHelperProcess does when the test binary is
// started again as a child: "writer" rewrites one secret forever, "token"
// prints a digest of the "oz" token.
const helperEnv = "COCODER_SECRETS_TEST_HELPER"

// crashValue is the value the writer child stores on its i-th write: the
// whole MaxValueSize of one letter, so a torn file shows up as a short file
// or a mix of letters.
func crashValue(i int) []byte {
	return bytes.Repeat([]byte{byte('a' + i%26)}, secrets.MaxValueSize)
}

// TestHelperProcess is not a test: it is the body of the child processes
// the tests below start. Without the environment variable it does nothing.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process for other tests")
	}
	s, err := secrets.Open(os.Getenv("SECRETS_DIR"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	switch mode {
	case "writer":
		for i := 1; ; i++ {
			if err := s.Set("k", crashValue(i)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			if i == 1 {
				fmt.Println("ready")
			}
		}
	case "token":
		v, err := s.Token("oz")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		sum := sha256.Sum256([]byte(v.Reveal()))
		fmt.Println(hex.EncodeToString(sum[:]))
		os.Exit(0)
	}
}

func helper(t *testing.T, mode, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, "SECRETS_DIR="+dir)
	cmd.Stderr = os.Stderr
	return cmd
}

// TestSetSurvivesKill kills a writing child process with SIGKILL at random
// moments and checks that the secret always holds one whole value, old or
// new, never a torn mix.
func TestSetSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts many processes")
	}
	s := openStore(t)
	require.NoError(t, s.Set("k", crashValue(0)))
	rng := rand.New(rand.NewPCG(7, 11))
	midWrite := 0
	const iterations = 40
	for it := range iterations {
		cmd := helper(t, "writer", s.Dir())
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		line, err := bufio.NewReader(stdout).ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, "ready\n", line)
		time.Sleep(time.Duration(rng.IntN(20_000)) * time.Microsecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		err = cmd.Wait()
		require.Error(t, err, "the child was killed")

		v, err := s.Get("k")
		require.NoError(t, err, "iteration %d", it)
		got := v.Reveal()
		require.Len(t, got, secrets.MaxValueSize, "iteration %d: torn file", it)
		require.Equal(t, strings.Repeat(got[:1], len(got)), got, "iteration %d: mixed content", it)

		temps, err := filepath.Glob(filepath.Join(s.Dir(), ".k.tmp-*"))
		require.NoError(t, err)
		if len(temps) > 0 {
			midWrite++
		}
		for _, p := range temps {
			require.NoError(t, os.Remove(p))
		}
		list, err := s.List()
		require.NoError(t, err)
		assert.Len(t, list, 1, "temporary files never listed")
	}
	t.Logf("%d of %d kills landed in the middle of a write", midWrite, iterations)
	assert.Positive(t, midWrite, "no kill interrupted a write; the test proved nothing")
}

// TestTokenConcurrentProcesses starts several processes that ask for the
// same token at once: the lock must make them agree.
func TestTokenConcurrentProcesses(t *testing.T) {
	s := openStore(t)
	const n = 6
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range n {
		cmd := helper(t, "token", s.Dir())
		var out bytes.Buffer
		cmd.Stdout = &out
		cmds = append(cmds, cmd)
		outs = append(outs, &out)
	}
	for _, cmd := range cmds {
		require.NoError(t, cmd.Start())
	}
	for _, cmd := range cmds {
		require.NoError(t, cmd.Wait())
	}
	v, err := s.Token("oz")
	require.NoError(t, err)
	sum := sha256.Sum256([]byte(v.Reveal()))
	want := hex.EncodeToString(sum[:]) + "\n"
	for i, out := range outs {
		assert.Equal(t, want, out.String(), "process %d", i)
	}
}
