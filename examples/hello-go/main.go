// A hello worker for the go stacks (go-1.19, go-1.24). Dockhand compiles it once, at upload (go.mod
// selects `go build -o app .`); tasks run the binary. The payload is in the file named by
// PAYLOAD_FILE; JSON written to RESULT_FILE becomes the task's result; stdout is its log.
//   dockhand code upload examples/hello-go --name hello-go --stack go-1.24
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
)

func main() {
	payload := struct {
		Name string `json:"name"`
	}{Name: "world"}
	if data, err := os.ReadFile(os.Getenv("PAYLOAD_FILE")); err == nil {
		_ = json.Unmarshal(data, &payload) // no payload, or plain text: greet the world
	}
	if payload.Name == "" {
		payload.Name = "world"
	}
	greeting := fmt.Sprintf("Hello, %s!", payload.Name)
	fmt.Println(greeting)
	fmt.Printf("go %s\n", runtime.Version())
	result, _ := json.Marshal(map[string]string{"greeting": greeting})
	if err := os.WriteFile(os.Getenv("RESULT_FILE"), result, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
