# Solution → results.nc with inputs and provenance, summary tables, plots; the overview page; the
# provenance record as YAML; the scenarios compared. All but postprocess run on the submitting
# machine (localrule): they take seconds.


rule postprocess:
    input:
        inputs=model_inputs,
        solution=rules.solve_model.output.solution,
        status=rules.solve_model.output.status,
    output:
        results="results/{scenario}/results.nc",
        capacities=report(
            "results/{scenario}/summaries/capacities.csv",
            caption="../workflow/report/table.rst",
            category="{scenario}",
            subcategory="2 tables",
            labels={"table": "capacities"},
        ),
        costs_by_class=report(
            "results/{scenario}/summaries/costs_by_class.csv",
            caption="../workflow/report/table.rst",
            category="{scenario}",
            subcategory="2 tables",
            labels={"table": "costs by class"},
        ),
        costs_by_tech=report(
            "results/{scenario}/summaries/costs_by_tech.csv",
            caption="../workflow/report/table.rst",
            category="{scenario}",
            subcategory="2 tables",
            labels={"table": "costs by tech"},
        ),
        flows_by_carrier=report(
            "results/{scenario}/summaries/flows_by_carrier.csv",
            caption="../workflow/report/table.rst",
            category="{scenario}",
            subcategory="2 tables",
            labels={"table": "flows by carrier"},
        ),
        dispatch=report(
            "results/{scenario}/plots/dispatch.png",
            caption="../workflow/report/dispatch.rst",
            category="{scenario}",
            subcategory="3 figures",
            labels={"figure": "dispatch per node and carrier"},
        ),
        storage=report(
            "results/{scenario}/plots/storage.png",
            caption="../workflow/report/storage.rst",
            category="{scenario}",
            subcategory="3 figures",
            labels={"figure": "stored energy"},
        ),
        capacity=report(
            "results/{scenario}/plots/capacity.png",
            caption="../workflow/report/capacity.rst",
            category="{scenario}",
            subcategory="3 figures",
            labels={"figure": "installed capacity"},
        ),
        costs=report(
            "results/{scenario}/plots/costs.png",
            caption="../workflow/report/costs.rst",
            category="{scenario}",
            subcategory="3 figures",
            labels={"figure": "costs: investment and operation"},
        ),
        prices=report(
            "results/{scenario}/plots/prices.png",
            caption="../workflow/report/prices.rst",
            category="{scenario}",
            subcategory="3 figures",
            labels={"figure": "marginal prices"},
        ),
        map=report(
            "results/{scenario}/plots/map.png",
            caption="../workflow/report/map.rst",
            category="{scenario}",
            subcategory="3 figures",
            labels={"figure": "map of nodes and links"},
        ),
        capacity_factors=report(
            "results/{scenario}/plots/capacity_factors.png",
            caption="../workflow/report/capacity_factors.rst",
            category="{scenario}",
            subcategory="3 figures",
            labels={"figure": "capacity factors and curtailment"},
        ),
        duration_curves=report(
            "results/{scenario}/plots/duration_curves.png",
            caption="../workflow/report/duration_curves.rst",
            category="{scenario}",
            subcategory="3 figures",
            labels={"figure": "duration curves"},
        ),
        explore=report(
            "results/{scenario}/plots/explore.html",
            caption="../workflow/report/explore.rst",
            category="{scenario}",
            subcategory="4 interactive",
            labels={"page": "explore dispatch, storage, capacity"},
        ),
        full_year="results/{scenario}/results_full_year.nc",
        spores_capacities="results/{scenario}/plots/spores_capacities.png",
        storage_levels="results/{scenario}/summaries/storage_levels.csv",
    log:
        "logs/{scenario}/postprocess.log",
    benchmark:
        "benchmarks/{scenario}/postprocess.tsv"
    conda:
        "../envs/environment.yaml"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 4000 * attempt,
        runtime=lambda wc, attempt: 30 * attempt,
    params:
        scenario="{scenario}",
        config=scenario_settings,
        rule_code=rule_code_hashes,
        code=code_hash("scripts/postprocess.py"),
    script:
        "../scripts/postprocess.py"


rule overview:
    # apart from postprocess: editing a scenario's description re-writes this page only
    input:
        results=rules.postprocess.output.results,
        status=rules.solve_model.output.status,
    output:
        overview=report(
            "results/{scenario}/report/overview.html",
            caption="../workflow/report/overview.rst",
            category="{scenario}",
            subcategory="1 overview",
            labels={"page": "overview: description, solve status, tables"},
        ),
    log:
        "logs/{scenario}/overview.log",
    benchmark:
        "benchmarks/{scenario}/overview.tsv"
    localrule: True
    conda:
        "../envs/environment.yaml"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 2000 * attempt,
        runtime=lambda wc, attempt: 10 * attempt,
    params:
        scenario="{scenario}",
        description=scenario_description,
        code=code_hash("scripts/overview.py"),
    script:
        "../scripts/overview.py"


rule dump_provenance:
    # The record postprocess wrote into results.nc, as YAML: after a successful solve only (a
    # failed scenario must not leave a record that looks complete), and the same in both files.
    input:
        results=rules.postprocess.output.results,
    output:
        provenance="results/{scenario}/provenance/config.yaml",
    log:
        "logs/{scenario}/dump_provenance.log",
    benchmark:
        "benchmarks/{scenario}/dump_provenance.tsv"
    localrule: True
    conda:
        "../envs/environment.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=code_hash("scripts/dump_provenance.py"),
    script:
        "../scripts/dump_provenance.py"


rule compare_scenarios:
    # Every selected scenario's objective and capacities side by side (the report's last section).
    input:
        statuses=expand(rules.solve_model.output.status, scenario=selected_scenarios()),
        results=expand(rules.postprocess.output.results, scenario=selected_scenarios()),
    output:
        page=report(
            "results/comparison/comparison.html",
            caption="../workflow/report/comparison.rst",
            category="all scenarios",
            labels={"page": "objectives and capacities"},
        ),
        figure=report(
            "results/comparison/comparison.png",
            caption="../workflow/report/comparison.rst",
            category="all scenarios",
            labels={"figure": "objectives and capacities"},
        ),
    log:
        "logs/compare_scenarios.log",
    benchmark:
        "benchmarks/compare_scenarios.tsv"
    localrule: True
    conda:
        "../envs/environment.yaml"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 2000 * attempt,
        runtime=lambda wc, attempt: 10 * attempt,
    params:
        scenarios=selected_scenarios(),
        code=code_hash("scripts/postprocess_compare.py"),
    script:
        "../scripts/postprocess_compare.py"
