# stakeout — the README's two commands: `make demo` and `make test`.
# Both install what is missing (Debian packages through apt-get when run as root) and
# start their own servers on free loopback ports; they never touch a Redis you run.

GO       ?= go
BIN      := bin/stakeout
PKGS     := ./...
TESTTIME ?= 30m
# Debian packages the tests and the demo need, as command=package pairs (a command may be
# a path, also of a file that is not a program). Dovecot is the stock IMAP server of the
# interoperability tests; Chromium runs the chat probe: its headless shell by default, the
# full browser as the fallback the tests cover too. hunspell and its US English dictionary
# spell-check the answers that scoring grades. Alertmanager (Debian's 0.25) receives the
# alerts of the demo and of the alert delivery tests; they start it on a free port.
# PostgreSQL's server binaries (initdb, postgres) run private test servers in temporary
# directories on free loopback ports (internal/pgproc), never the system's server.
DEB_DEPS := redis-server=redis-server /usr/bin/redis-sentinel=redis-sentinel dovecot=dovecot-imapd /usr/lib/dovecot/lmtp=dovecot-lmtpd \
            chromium=chromium /usr/lib/chromium/chromium-headless-shell=chromium-headless-shell \
            hunspell=hunspell /usr/share/hunspell/en_US.dic=hunspell-en-us \
            prometheus-alertmanager=prometheus-alertmanager /usr/lib/postgresql/*/bin/initdb=postgresql

# promtool of the Prometheus the rules are written for: the module version in go.mod
# (a Go tool dependency; v0.316.0 is Prometheus 3.16.0, as in docker-compose.yml), never
# a promtool on PATH. Its first build takes a few minutes, later ones seconds.
PROMTOOL := bin/promtool
PROMETHEUS_MOD = $(shell $(GO) list -m -f '{{.Version}}' github.com/prometheus/prometheus)
PROMETHEUS_VERSION = $(shell echo $(PROMETHEUS_MOD) | sed -E 's/^v0\.3(0?)([0-9]+)\.([0-9]+)$$/3.\2.\3/')

.PHONY: all build demo test deps vet bench fuzz clean rules-test

all: build

## deps: install missing Debian packages (as root, with apt-get) and check Go.
deps:
	@command -v $(GO) >/dev/null || { echo "go not found: install Go 1.26 or newer (https://go.dev/doc/install)"; exit 1; }
	@missing=""; for pair in $(DEB_DEPS); do cmd=$${pair%%=*}; pkg=$${pair#*=}; \
	  command -v $$cmd >/dev/null 2>&1 || [ -x /usr/bin/$$cmd ] || [ -x /usr/sbin/$$cmd ] || [ -f $$cmd ] || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	  else echo "missing Debian packages:$$missing (run: sudo apt-get install$$missing)"; exit 1; fi; \
	fi
	@# A Redis or PostgreSQL installed by apt starts a system service; stakeout's tests never use it.

## build: compile the one binary into bin/stakeout.
build:
	$(GO) build -o $(BIN) ./cmd/stakeout

## demo: the main job against a private Redis, see README.
demo: deps build
	./$(BIN) demo

## bin/promtool: promtool of the Prometheus version in go.mod.
$(PROMTOOL): go.mod go.sum
	$(GO) build -ldflags "-X github.com/prometheus/common/version.Version=$(PROMETHEUS_VERSION)" \
	  -o $(PROMTOOL) github.com/prometheus/prometheus/cmd/promtool

## rules-test: the Prometheus config, rules and rule unit tests, with bin/promtool.
rules-test: $(PROMTOOL)
	$(PROMTOOL) check config deploy/prometheus/prometheus.yml
	$(PROMTOOL) check rules deploy/prometheus/rules.yml
	$(PROMTOOL) test rules deploy/prometheus/rules_test.yml

## test: vet and every test with the race detector, against real servers the tests start.
## The end-to-end accuracy tests (internal/e2e) run last, alone: they compare timings with
## the simulator's truth to the tens of milliseconds, which other packages' load would blur.
test: deps rules-test
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout $(TESTTIME) $$($(GO) list $(PKGS) | grep -v /internal/e2e$$)
	$(GO) test -race -count=1 -timeout $(TESTTIME) ./internal/e2e/

## bench: the benchmarks quoted in the issues' closing notes.
bench: deps
	$(GO) test -run '^$$' -bench Launch100k -benchtime 1x ./scheduler/
	$(GO) test -run '^$$' -bench RedisMemory1M -benchtime 1x ./scheduler/
	$(GO) test -run '^$$' -bench EmailThroughput -benchtime 1x ./internal/e2e/
	$(GO) test -run '^$$' -bench ResultsIngest -benchtime 20000x ./workers/
	$(GO) test -run '^$$' -bench . -benchtime 20000x ./internal/store/
	$(GO) test -run '^$$' -bench ChatHeld -benchtime 1x -timeout 40m ./internal/e2e/
	$(GO) test -run '^$$' -bench 'Rebuild1M|Update' -benchtime 1x -timeout 60m ./internal/scorer/
	$(GO) test -run '^$$' -bench Detector -benchtime 1x -timeout 30m ./internal/detect/

clean:
	rm -rf bin
