# platform_ops.admin — development entry points. `make demo` and `make test` do all set-up.
PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
BUILD := $(CURDIR)/.build
COLLECTIONS := $(BUILD)/collections

# Ansible run by make uses the virtual environment's Python (it has requests) and the collection
# as installed from the built tarball.
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_PYTHON_INTERPRETER := $(BIN)/python
export ANSIBLE_LOCALHOST_WARNING := 0
export ANSIBLE_INVENTORY_UNPARSED_WARNING := 0
export ANSIBLE_RETRY_FILES_ENABLED := 0
export ANSIBLE_HOME := $(BUILD)/ansible-home
export PATH := $(BIN):$(PATH)
# Python may write its bytecode caches (__pycache__, ignored by git and by the collection build) even where the
# environment says not to (some CI images set PYTHONDONTWRITEBYTECODE): without them every pytest process, and every
# ansible-playbook the suite starts, compiles the same sources again, and pytest rewrites every test module's asserts
# again, in each of the seven processes of each suite (about 80 CPU-seconds of a second make test on 2 cores).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test test-parts venv install pytest fault-table sanity matrix lint changelog-lint galaxy-check docs docs-check bench clean
# The matrix entries' venv targets name no file: make must not treat them as intermediate files to delete.
.SECONDARY: $(addprefix matrix-venv-,$(CORES))

demo: install
	bash tools/demo.sh

# make test checks the system tools it needs first (tools/system-deps.sh: installs them when this user may, or stops
# in seconds naming each one), then runs its parts TEST_JOBS at a time: sanity computes on one core, while the
# in-process suites mostly wait on simulated jobs (about 0.7 of a core each), so three parts at once keep both
# cores of a small machine busy (two left a third of them idle). Each part's output is printed whole when it ends
# (--output-sync).
TEST_JOBS ?= 3
test:
	@bash tools/system-deps.sh
	@$(MAKE) --no-print-directory -j $(TEST_JOBS) --output-sync=target test-parts
	@echo 'make test: every part passed.'

# make starts the parts in this order as job slots free up: the whole suite first (the longest part: nothing else
# starts before what it needs is built, see FIRST), then the matrix's sanity runs and in-process suites, then the
# short checks.
test-parts: pytest matrix lint changelog-lint galaxy-check docs-check

$(VENV)/.installed: requirements/dev.txt requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements/dev.txt -c requirements/constraints.txt
	touch $@

venv: $(VENV)/.installed

# Build the collection tarball (honouring build_ignore) and install it, as a user would.
install: venv
	rm -rf $(BUILD)/dist $(COLLECTIONS)
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD)/dist .
	$(BIN)/ansible-galaxy collection install --force -p $(COLLECTIONS) $(BUILD)/dist/platform_ops-admin-*.tar.gz

# $(call tool_venv,DIR,NAME): a venv in DIR for a tool, from requirements/NAME.txt pinned by NAME-constraints.txt,
# with ansible-core at constraints.txt's version (so the tool sees the ansible-core the suite runs).
define tool_venv
	$(PYTHON) -m venv $(1)
	grep -i '^ansible-core==' requirements/constraints.txt > $(1)/core-constraint.txt
	$(1)/bin/python -m pip install --disable-pip-version-check -q -r requirements/$(2).txt \
		-c requirements/$(2)-constraints.txt -c $(1)/core-constraint.txt
	touch $(1)/.installed
endef

# awx.awx, which the awx_credential_types role calls: for its test and ansible-lint only, not a dependency of the
# collection. Galaxy is out of reach here, so it comes from the community `ansible` wheel on PyPI (requirements/awx.txt).
AWX_COLLECTIONS := $(BUILD)/deps-collections
$(AWX_COLLECTIONS)/.installed: requirements/awx.txt tools/fetch_awx_collection.py $(VENV)/.installed
	$(BIN)/python tools/fetch_awx_collection.py $(AWX_COLLECTIONS)
	touch $@

# ansible-rulebook, for the end-to-end test of the example rulebooks, in its own venv (it runs its rule engine in
# Java 17: Debian's openjdk-17-jdk-headless, which .ci/run installs when missing).
EDA := $(CURDIR)/.venv-eda
$(EDA)/.installed: requirements/eda.txt requirements/eda-constraints.txt requirements/constraints.txt
	$(call tool_venv,$(EDA),eda)

# The ansible-core matrix: the releases requires_ansible promises (meta/runtime.yml), each with the Python it needs
# (ENTRY is core:python), newest first, and MAIN_CORE, the release of .venv (constraints.txt), which the demo, lint
# and the tools run. An entry whose Python is not on this machine (on PATH or in pyenv's versions directory:
# tools/find-python.sh) is skipped with a line that says so.
MATRIX := 2.21.5:3.13 2.20.10:3.12 2.18.19:3.11 2.17.14:3.11
MAIN_CORE := $(shell sed -n 's/^ansible-core==//p' requirements/constraints.txt)
PY_$(MAIN_CORE) := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
$(foreach entry,$(MATRIX),$(eval PY_$(firstword $(subst :, ,$(entry))) := $(lastword $(subst :, ,$(entry)))))
CORES := $(foreach entry,$(MATRIX),$(firstword $(subst :, ,$(entry))))
$(foreach core,$(CORES),$(eval PYBIN_$(core) := $(shell bash tools/find-python.sh $(PY_$(core)))))
FOUND := $(foreach core,$(CORES),$(if $(PYBIN_$(core)),$(core)))
MISSING := $(filter-out $(FOUND),$(CORES))
ENTRIES := $(FOUND) $(MAIN_CORE)
# Each entry's venv: .venv for MAIN_CORE, .venv-CORE for the others (tools/matrix-venv.sh keeps it while its
# requirements stay the same, so a second make test spends no time in pip).
$(foreach core,$(ENTRIES),$(eval VENV_$(core) := $(CURDIR)/.venv-$(core)))
VENV_$(MAIN_CORE) := $(CURDIR)/$(VENV)

# The whole suite (unit, module and integration tests against the simulators, playbook runs included) runs once,
# on the newest release this machine has the Python for (SUITE_CORE), or else on .venv's. Every other entry runs the
# in-process part (make matrix). pytest spreads it over PYTEST_WORKERS processes: most tests wait (for simulated
# jobs, plans and subprocesses) far longer than they compute, so the default is three workers per core. A worker
# that runs out of tests takes some of another's (worksteal): with tests from milliseconds to half a minute long, the
# default (each worker keeps the tests it was given) left one worker running the last 26 alone for 48 s. Each run
# keeps its temporary files under .build (runs may overlap).
SUITE_CORE := $(firstword $(FOUND) $(MAIN_CORE))
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 3 )))
# The matrix's in-process suites run beside the whole suite, where their length matters less than what their
# workers cost to start (each collects every test and starts its simulators): two workers a core.
FAST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
PYTEST = -m pytest -q -p no:cacheprovider --dist worksteal tests/unit tests/integration
PYTEST_ENV = PLATFORM_OPS_COLLECTIONS_PATH=$(COLLECTIONS) PLATFORM_OPS_AWX_COLLECTIONS_PATH=$(AWX_COLLECTIONS)
pytest: install $(AWX_COLLECTIONS)/.installed $(EDA)/.installed matrix-venv-$(SUITE_CORE)
	@echo "pytest: the whole suite on ansible-core $(SUITE_CORE) ($(VENV_$(SUITE_CORE)))"
	$(PYTEST_ENV) PLATFORM_OPS_RULEBOOK_VENV=$(EDA) $(VENV_$(SUITE_CORE))/bin/python $(PYTEST) -n $(PYTEST_WORKERS) \
		--basetemp=$(BUILD)/pytest-suite
	$(BIN)/python tools/fault_table.py --check

# FIRST: within make test, the other parts wait for what the whole suite needs, so that the suite starts as soon as
# it can (when two other parts got both job slots first, it started minutes late); alone, a part waits for nothing
# it does not need.
# The matrix's in-process suites run beside the whole suite, and every sanity run after them: the in-process suites
# mostly wait (about half a core each), so at the end of the run they left a quarter of the cores idle, where the
# sanity runs and the short checks, each one process computing on one core, keep both busy.
ifeq ($(MAKECMDGOALS),test-parts)
FIRST := install $(AWX_COLLECTIONS)/.installed $(EDA)/.installed matrix-venv-$(SUITE_CORE)
$(foreach core,$(ENTRIES),$(eval sanity-$(core): | $(addprefix fast-,$(filter-out $(SUITE_CORE),$(ENTRIES)))))
endif
$(foreach part,lint changelog-lint galaxy-check docs $(addprefix matrix-venv-,$(filter-out $(SUITE_CORE),$(FOUND))),\
	$(eval $(part): | $(FIRST)))

# Rewrite the Reliability page from the fault suite's last run (tests/output/fault-matrix.json).
fault-table:
	$(BIN)/python tools/fault_table.py

# ansible-test wants the collection under ansible_collections/<namespace>/<name>: copy the files git
# knows about (tracked, or new and not ignored) there, as a git repository of its own (inside this
# checkout, ansible-test would otherwise list files through our git, which ignores .build/).
# SANITY_BIN and SANITY_PYTHON pick the ansible-core and Python that run it (the matrix passes its venv's), and
# SANITY_DIR the copy's place (one per matrix entry). ansible-test keeps the venv it runs in (--venv) in the copy's
# tests/output, and those of its sanity tests under ~/.ansible/test, where two runs building the same one at once
# break it: each copy runs with a home of its own (SANITY_DIR/home, with the user's pip settings and download cache:
# tools/sanity_home.py), so entries run side by side, and both are kept: a second run installs nothing.
SANITY_BIN ?= $(BIN)
SANITY_PYTHON ?= $(PY_$(MAIN_CORE))
SANITY_DIR ?= $(BUILD)/sanity-main
sanity: venv
	bash tools/sanity-copy.sh $(SANITY_DIR)/ansible_collections/platform_ops/admin
	$(BIN)/python tools/sanity_home.py $(SANITY_DIR)/home
	HOME=$(SANITY_DIR)/home $(SANITY_BIN)/python tools/ansible_test_offline.py
	cd $(SANITY_DIR)/ansible_collections/platform_ops/admin && HOME=$(SANITY_DIR)/home \
		$(SANITY_BIN)/ansible-test sanity --venv --python $(SANITY_PYTHON) --color no

# Every entry runs sanity in its own venv, and every entry but SUITE_CORE the in-process part of the suite (tests
# that run ansible-playbook skip there). Fault records go to .build, so the Reliability page stays the whole
# suite's.
matrix: $(addprefix fast-,$(filter-out $(SUITE_CORE),$(ENTRIES))) $(addprefix sanity-,$(ENTRIES)) \
	$(addprefix skipped-,$(MISSING))

matrix-venv-$(MAIN_CORE): venv
	@:
matrix-venv-%:
	bash tools/matrix-venv.sh $(VENV_$*) $* $(PYBIN_$*) $(if $(filter $*,$(SUITE_CORE)),full,fast)

fast-%: install $(AWX_COLLECTIONS)/.installed matrix-venv-% | $(FIRST)
	@echo "matrix: ansible-core $* on Python $(PY_$*) ($(VENV_$*)), in-process suite"
	PLATFORM_OPS_FAST_ONLY=1 PLATFORM_OPS_MATRIX=$* $(PYTEST_ENV) PLATFORM_OPS_FAULT_MATRIX=$(BUILD)/fault-matrix-$*.json \
		$(VENV_$*)/bin/python $(PYTEST) -n $(FAST_WORKERS) --basetemp=$(BUILD)/pytest-$*

sanity-%: matrix-venv-% | $(FIRST)
	@echo "matrix: ansible-core $* on Python $(PY_$*), sanity"
	$(MAKE) --no-print-directory sanity SANITY_BIN=$(VENV_$*)/bin SANITY_PYTHON=$(PY_$*) SANITY_DIR=$(BUILD)/sanity-$*

skipped-%:
	@echo "matrix: ansible-core $* skipped: it needs Python $(PY_$*), which is neither on PATH nor in pyenv's versions directory."

lint: install $(AWX_COLLECTIONS)/.installed
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS):$(AWX_COLLECTIONS) \
		$(BIN)/ansible-lint --offline --profile production demo playbooks $(wildcard roles) extensions/eda/rulebooks

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

# What Galaxy / Automation Hub and ansible-builder make of the built collection, with the tools in their own
# venv: galaxy-importer on the tarball (its ansible-test step off: no container engine here), ansible-builder
# introspect (the Python requirement an execution environment needs) and create (a build context).
TOOLS := $(CURDIR)/.venv-tools
$(TOOLS)/.installed: requirements/tools.txt requirements/tools-constraints.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --disable-pip-version-check -q -r requirements/tools.txt \
		-c requirements/tools-constraints.txt
	touch $@

galaxy-check: install $(TOOLS)/.installed
	cd $(BUILD) && GALAXY_IMPORTER_CONFIG=$(CURDIR)/tools/galaxy-importer.cfg PATH=$(TOOLS)/bin:$$PATH \
		$(TOOLS)/bin/python -m galaxy_importer.main $(BUILD)/dist/platform_ops-admin-*.tar.gz \
		> $(BUILD)/galaxy-importer.log 2>&1; status=$$?; cat $(BUILD)/galaxy-importer.log; test $$status -eq 0
	grep -q 'Importer processing completed successfully' $(BUILD)/galaxy-importer.log
	! grep -E '^ERROR|ansible-doc not found|ansible-lint not found' $(BUILD)/galaxy-importer.log
	@# No warning but the one Galaxy's own lint gives for the optional awx.awx (not installed where it lints).
	! grep '^WARNING' $(BUILD)/galaxy-importer.log | grep -v "unknown-module.*'awx\.awx\.credential_type'"
	$(TOOLS)/bin/ansible-builder introspect $(COLLECTIONS) > $(BUILD)/introspect.txt; cat $(BUILD)/introspect.txt
	grep -q "requests>=.*from collection platform_ops.admin" $(BUILD)/introspect.txt
	rm -rf $(BUILD)/ee-context
	$(TOOLS)/bin/ansible-builder create -f examples/execution-environment/execution-environment.yml \
		--context $(BUILD)/ee-context
	test -f $(BUILD)/ee-context/_build/requirements.yml

# The documentation site, as published at galaxy.yml's `documentation`, with its tools in their own venv
# (ansible-core at constraints.txt's version). lint-collection-docs checks the installed collection's docs (schema,
# markup, references); antsibull-docs writes its RST pages (any error fails) and Sphinx the HTML, .build/docs/html.
# Every Sphinx warning fails the build except those that only the lack of a network causes: intersphinx
# inventories out of reach, and so labels of other docs (docs.ansible.com, other collections) left unresolved.
DOCS := $(CURDIR)/.venv-docs
DOCS_SRC := $(BUILD)/docs-src
# antsibull-docs runs the first ansible-doc on PATH: the docs venv's.
DOCS_PATH := PATH=$(DOCS)/bin:$$PATH
DOCS_OFFLINE_WARNINGS := ^WARNING: failed to reach any of the inventories|^intersphinx inventory
DOCS_OFFLINE_WARNINGS += |WARNING: undefined label: '(?!ansible_collections\.platform_ops\.admin\.)

$(DOCS)/.installed: requirements/docs.txt requirements/docs-constraints.txt requirements/constraints.txt
	$(call tool_venv,$(DOCS),docs)

docs: install $(DOCS)/.installed
	$(DOCS_PATH) antsibull-docs lint-collection-docs --plugin-docs $(COLLECTIONS)/ansible_collections/platform_ops/admin
	rm -rf $(DOCS_SRC) $(BUILD)/docs
	mkdir -p $(DOCS_SRC) $(BUILD)/docs && chmod go-w $(DOCS_SRC)  # antsibull-docs writes only to owner-writable dirs
	$(DOCS_PATH) antsibull-docs sphinx-init --use-current --squash-hierarchy --dest-dir $(DOCS_SRC) \
		--project platform_ops.admin --title 'platform_ops.admin collection' \
		--copyright 'platform_ops.admin contributors' platform_ops.admin
	chmod go-w $(DOCS_SRC)/rst
	cd $(DOCS_SRC) && $(DOCS_PATH) antsibull-docs --config-file antsibull-docs.cfg collection --use-current \
		--squash-hierarchy --fail-on-error --cleanup everything --dest-dir rst platform_ops.admin
	$(DOCS)/bin/sphinx-build -M html $(DOCS_SRC)/rst $(BUILD)/docs -c $(DOCS_SRC) -q -n --keep-going \
		-w $(BUILD)/docs/sphinx-warnings.log
	test -f $(BUILD)/docs/html/notebook_deployment_module.html
	grep -v -P "$(DOCS_OFFLINE_WARNINGS)" $(BUILD)/docs/sphinx-warnings.log; test $$? -eq 1  # 1: none else

# The built site in headless Chromium (Debian's /usr/bin/chromium): module pages show their options table.
docs-check: docs
	$(DOCS)/bin/python tools/docs_browser_check.py $(BUILD)/docs/html notebook_deployment ece_stateless_resource

# A measurement, not a test: the collection against ansible.builtin.uri doing the same work.
bench: install
	PLATFORM_OPS_COLLECTIONS_PATH=$(COLLECTIONS) $(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(BUILD) $(VENV) $(CURDIR)/.venv-* tests/output
