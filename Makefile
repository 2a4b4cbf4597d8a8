# wxpay — the two commands of the README: `make demo` and `make test`.
CARGO ?= cargo

PREFIX ?= /usr/local
PROFILE ?= release
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
VERSION_MAJOR := $(word 1,$(subst ., ,$(VERSION)))

.PHONY: php-ext all build demo setup setup-demo dist test-dist test test-rust test-package test-c test-php test-python test-node test-docs test-bench bench lint vectors header calls install fuzz reliability clean test-long

all: build

build:
	$(CARGO) build --workspace

## make demo: build, start the sandbox over TLS, run the seed's close call, print, stop.
demo: setup-demo build
	./scripts/demo.sh

## What the system must have (apt packages; installed as root, else the command is printed).
setup:
	./scripts/setup.sh test

setup-demo:
	./scripts/setup.sh demo

## make test: every test.
test: setup test-docs test-rust test-package test-c test-php test-python test-node test-bench

## RELIABILITY.md must be what tests/reliability/generate.py makes of the fault matrix and fuzz runs.
test-docs:
	python3 tests/reliability/generate.py --check

## (core/benches/micro.rs included: `test = true` runs each criterion benchmark once)
test-rust:
	$(CARGO) test --workspace --no-fail-fast

## Packaging: `cargo package -p wxpay-apiv3`, and the Python sdist built into a wheel in a clean directory.
test-package:
	./scripts/test-package.sh

## C tests: static and dynamic builds against the sandbox, the dynamic one under valgrind.
test-c:
	./ffi-c/tests/run.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Regenerate every language's typed calls (Python, Node typings, PHP trait, C wrappers, CALLS.md)
## from the core's call catalogue; `cargo test -p wxpay-codegen` fails when one drifts.
calls:
	$(CARGO) run -q -p wxpay-codegen

## Regenerate the shared signing and verification vectors with openssl.
vectors:
	python3 tests/vectors/generate.py

## PHP tests (FFI wrapper, the seed's six snippets, errors, async, fork) against the sandbox.
test-php:
	./bindings-php/tests/run.sh

## Python tests in the project venv (.venv, created if missing): pytest against the sandbox,
## stubtest, mypy --strict, and the built wheel in a fresh venv.
test-python:
	./bindings-python/tests/run.sh

## Node tests: npm ci, napi build (fails if native.js / native.d.ts drift), node --test against
## the sandbox, tsc --strict on the typings, and the npm pack tarball installed into a project.
test-node:
	./bindings-node/test/run.sh

## The benchmark harness on a tiny N (debug builds, every client and peer, the report): proves
## it works. No timing is asserted.
test-bench:
	python3 bench/run.py --smoke

## Every artifact users install, into dist/ (x86_64 Linux, glibc 2.17): the wheel and sdist,
## the npm packages, the C tarball, the PHP package. See scripts/dist.sh and RELEASING.md.
dist:
	./scripts/dist.sh

## Install dist/'s artifacts as users do (no Rust on PATH) and call the sandbox with each;
## check the glibc floor and the exported symbols.
test-dist: setup
	./scripts/test-dist.sh

## Long tests outside `make test`: a 1 GiB gzip bill streamed into a file, digest checked, with
## its peak RSS printed (issue 16; ~10 s in release).
test-long:
	cargo test --release -p wxpay-sandbox --test files -- --ignored --nocapture

## Benchmarks (~15 min): openssl floor, every binding and the peers against the sandbox in
## bench mode, the 100,000-call memory runs, criterion; writes BENCHMARKS.md. See bench/README.md.
bench:
	python3 bench/run.py

## Regenerate include/wxpay.h and bindings-php/include/wxpay_php.h with the pinned cbindgen.
header:
	WXPAY_BLESS=1 $(CARGO) test -p wxpay-ffi --test header

## Install libwxpay.so, libwxpay.a, wxpay.h and wxpay.pc under $(PREFIX) ($(PROFILE) build).
install:
	$(CARGO) build -p wxpay-ffi $(if $(filter release,$(PROFILE)),--release,)
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 755 target/$(PROFILE)/libwxpay.so $(DESTDIR)$(PREFIX)/lib/libwxpay.so.$(VERSION)
	ln -sf libwxpay.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libwxpay.so.$(VERSION_MAJOR)
	ln -sf libwxpay.so.$(VERSION_MAJOR) $(DESTDIR)$(PREFIX)/lib/libwxpay.so
	install -m 644 target/$(PROFILE)/libwxpay.a $(DESTDIR)$(PREFIX)/lib/libwxpay.a
	install -m 644 include/wxpay.h include/wxpay_calls.h $(DESTDIR)$(PREFIX)/include/
	for pc in wxpay wxpay-static; do \
	  sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' ffi-c/$$pc.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/$$pc.pc; \
	done

## The wxpay PHP extension (release): builds wxpay.so with libwxpay.a linked in and installs it
## into PHP's extension folder (`php-config --extension-dir`, or PHP_EXTENSION_DIR=…). Then add
## `extension=wxpay.so` to php.ini. Needs phpize (Debian: php-dev).
PHP_EXTENSION_DIR ?= $(shell php-config --extension-dir 2>/dev/null)
php-ext:
	@so="$$(bindings-php/ext/build.sh release)" && \
	  install -d "$(DESTDIR)$(PHP_EXTENSION_DIR)" && \
	  install -m 755 -s "$$so" "$(DESTDIR)$(PHP_EXTENSION_DIR)/wxpay.so" && \
	  echo "installed $(DESTDIR)$(PHP_EXTENSION_DIR)/wxpay.so: add extension=wxpay.so to php.ini"

## Long fuzz runs: each target for FUZZ_SECONDS (default 600), growing fuzz/corpus.
fuzz:
	./fuzz/run.sh
	python3 tests/reliability/generate.py

## Rewrite RELIABILITY.md from tests/reliability/faults.json and fuzz/last-run.json.
reliability:
	python3 tests/reliability/generate.py

clean:
	$(CARGO) clean
