# platform_ops.admin — development entry points. `make demo` and `make test` do all set-up.
PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
BUILD := $(CURDIR)/.build
COLLECTIONS := $(BUILD)/collections
SANITY_ROOT := $(BUILD)/src/ansible_collections/platform_ops/admin

# Ansible run by make uses the virtual environment's Python (it has requests) and the collection
# as installed from the built tarball.
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_PYTHON_INTERPRETER := $(BIN)/python
export ANSIBLE_LOCALHOST_WARNING := 0
export ANSIBLE_INVENTORY_UNPARSED_WARNING := 0
export ANSIBLE_RETRY_FILES_ENABLED := 0
export ANSIBLE_HOME := $(BUILD)/ansible-home
export PATH := $(BIN):$(PATH)

.PHONY: demo test venv install pytest fault-table sanity matrix lint changelog-lint galaxy-check docs docs-check bench clean

demo: install
	bash tools/demo.sh

test: install pytest sanity lint changelog-lint galaxy-check matrix docs docs-check

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

# Unit, module and integration tests against the simulators, in one pytest run spread over the cores.
PYTEST_WORKERS ?= auto
pytest: install $(AWX_COLLECTIONS)/.installed $(EDA)/.installed
	PLATFORM_OPS_COLLECTIONS_PATH=$(COLLECTIONS) PLATFORM_OPS_AWX_COLLECTIONS_PATH=$(AWX_COLLECTIONS) \
		PLATFORM_OPS_RULEBOOK_VENV=$(EDA) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests/unit tests/integration
	$(BIN)/python tools/fault_table.py --check

# Rewrite the README's Reliability table from the fault suite's last run (tests/output/fault-matrix.json).
fault-table:
	$(BIN)/python tools/fault_table.py

# ansible-test wants the collection under ansible_collections/<namespace>/<name>: copy the files git
# knows about (tracked, or new and not ignored) there, as a git repository of its own (inside this
# checkout, ansible-test would otherwise list files through our git, which ignores .build/).
# SANITY_BIN picks the ansible-core whose ansible-test runs (the matrix passes its venv's).
SANITY_BIN ?= $(BIN)
sanity: venv
	$(SANITY_BIN)/python tools/ansible_test_offline.py
	rm -rf $(BUILD)/src
	mkdir -p $(SANITY_ROOT)
	git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C $(SANITY_ROOT)
	cd $(SANITY_ROOT) && git init -q && git add -A
	cd $(SANITY_ROOT) && $(SANITY_BIN)/ansible-test sanity --venv --python 3.11 --color no

# The older ansible-core releases requires_ansible promises (meta/runtime.yml): each in its own venv runs the
# fast part of the suite (the tests whose modules run in process; playbook tests are skipped there) and
# sanity. The fault record of these runs goes to .build, so the README's table stays the main run's.
MATRIX_CORES := 2.17.14 2.18.19
matrix: $(foreach core,$(MATRIX_CORES),matrix-$(core))

matrix-%: $(CURDIR)/.venv-%/.installed
	PLATFORM_OPS_FAST_ONLY=1 PLATFORM_OPS_FAULT_MATRIX=$(BUILD)/fault-matrix-$*.json \
		$(CURDIR)/.venv-$*/bin/python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) tests/unit tests/integration
	$(MAKE) --no-print-directory sanity SANITY_BIN=$(CURDIR)/.venv-$*/bin

.PRECIOUS: $(CURDIR)/.venv-%/.installed
$(CURDIR)/.venv-%/.installed: requirements/matrix.txt requirements/constraints.txt
	$(PYTHON) -m venv $(CURDIR)/.venv-$*
	grep -v -i -e '^ansible-core==' -e '^resolvelib==' -e '^ansible-lint==' requirements/constraints.txt \
		> $(CURDIR)/.venv-$*/constraints.txt
	$(CURDIR)/.venv-$*/bin/python -m pip install --disable-pip-version-check -q 'ansible-core==$*' \
		-r requirements/matrix.txt -c $(CURDIR)/.venv-$*/constraints.txt
	touch $@

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
