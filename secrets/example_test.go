package secrets_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/cocoder/cocoder/secrets"
)

func ExampleStore() {
	home, err := os.MkdirTemp("", "cocoder-home-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(home)

	store, err := secrets.Open(filepath.Join(home, "secrets"))
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Set("openai", []byte("sk-example-0123456789")); err != nil {
		log.Fatal(err)
	}
	infos, err := store.List()
	if err != nil {
		log.Fatal(err)
	}
	for _, info := range infos {
		fmt.Println(info.Name, info.Size) // names and sizes, never values
	}
	v, err := store.Get("openai")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v)
	// Output:
	// openai 21
	// [redacted]
}

func ExampleResolver_Resolve() {
	r := secrets.Resolver{
		Getenv: func(name string) (string, bool) {
			if name == "OPENAI_KEY" {
				return "sk-example-0123456789", true
			}
			return "", false
		},
	}
	env, err := r.Resolve(context.Background(), map[string]string{
		"OPENAI_API_KEY": "${env:OPENAI_KEY}",
		"AGENT_MODE":     "batch",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(env) // redacted
	fmt.Println(len(env.Environ()), "variables for exec.Cmd.Env")

	_, err = r.Resolve(context.Background(), map[string]string{"GH_TOKEN": "${env:GH_TOKEN}"})
	fmt.Println(err)
	// Output:
	// map[AGENT_MODE:[redacted] OPENAI_API_KEY:[redacted]]
	// 2 variables for exec.Cmd.Env
	// GH_TOKEN=${env:GH_TOKEN}: environment variable GH_TOKEN is not set or empty
}

func ExampleParseRef() {
	ref, err := secrets.ParseRef("${secret:openai}")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ref.Kind, ref.Target, ref)

	_, err = secrets.ParseRef("${file:/etc/passwd}")
	fmt.Println(err)
	// Output:
	// secret openai ${secret:openai}
	// reference "${file:/etc/passwd}": the path must be relative and stay inside the base directory (no leading '/', no '..' step)
}

func ExampleNewRedactor() {
	var transcript strings.Builder
	r := secrets.NewRedactor(&transcript, secrets.NewValue("sk-example-0123456789"))
	// The value arrives split across writes, as agent output often does.
	fmt.Fprint(r, "calling the API with sk-exam")
	fmt.Fprint(r, "ple-0123456789 now\n")
	if err := r.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Print(transcript.String())
	// Output:
	// calling the API with [redacted] now
}

func ExampleValue() {
	v := secrets.NewValue("sk-example-0123456789")
	fmt.Printf("%v %q %#v\n", v, v, v)
	fmt.Println(len(v.Reveal()))
	// Output:
	// [redacted] [redacted] [redacted]
	// 21
}
