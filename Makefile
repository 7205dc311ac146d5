# The two commands of the README: `make demo` runs the main job, `make test` passes the tests.
# Both install what they need first (scripts/setup.sh); `make test` also fetches all-MiniLM-L6-v2 for the
# embedding tests into .models/ (scripts/fetch-minilm.sh; the tests skip, saying so, when it cannot).

.PHONY: demo test build setup

setup:
	@scripts/setup.sh

# Swift's libraries are linked into the binary: a command then starts in about 8 ms instead of 19
# (no dynamic linking of Foundation and ICU), which is most of a short command's time.
build: setup
	swift build -c release --product folio --static-swift-stdlib

demo: build
	@scripts/demo.sh

test: setup
	@scripts/fetch-minilm.sh
	swift build --build-tests
	swift test --skip-build
	cd Examples/Server && swift build --build-tests && swift test --skip-build
