// Command functions prints the name of every function in stack.Firebreak,
// one a line, so that build scripts loop over the stack's one description
// instead of a list of their own.
package main

import (
	"fmt"

	"github.com/firebreak/firebreak/shared/stack"
)

func main() {
	for _, f := range stack.Firebreak.Functions {
		fmt.Println(f.Name)
	}
}
