# wxpay — the two commands of the README: `make demo` and `make test`.
CARGO ?= cargo

.PHONY: all build demo test test-rust lint vectors clean

all: build

build:
	$(CARGO) build --workspace --bins

## make demo: build, start the sandbox over TLS, run the seed's close call, print, stop.
demo: build
	./scripts/demo.sh

## make test: every test.
test: test-rust

test-rust:
	$(CARGO) test --workspace --no-fail-fast

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Regenerate the shared signing and verification vectors with openssl.
vectors:
	python3 tests/vectors/generate.py

clean:
	$(CARGO) clean
