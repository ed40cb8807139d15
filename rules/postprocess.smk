# Solution → results.nc with inputs and provenance, summary tables, plots; provenance record.


rule postprocess:
    input:
        inputs=model_inputs,
        solution=rules.solve_model.output.solution,
        status=rules.solve_model.output.status,
    output:
        results="results/{scenario}/results.nc",
        capacities="results/{scenario}/summaries/capacities.csv",
        costs_by_class="results/{scenario}/summaries/costs_by_class.csv",
        costs_by_tech="results/{scenario}/summaries/costs_by_tech.csv",
        flows_by_carrier="results/{scenario}/summaries/flows_by_carrier.csv",
        dispatch=report(
            "results/{scenario}/plots/dispatch.png",
            category="{scenario}",
            labels={"figure": "dispatch per carrier"},
        ),
        capacity=report(
            "results/{scenario}/plots/capacity.png",
            category="{scenario}",
            labels={"figure": "installed capacity"},
        ),
        full_year="results/{scenario}/results_full_year.nc",
        storage_levels="results/{scenario}/summaries/storage_levels.csv",
        storage=report(
            "results/{scenario}/plots/storage_levels.png",
            category="{scenario}",
            labels={"figure": "stored energy over the horizon"},
        ),
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
        config=from_scenario(),
        code=ESMFLOW_CODE_HASH,
    script:
        "../scripts/postprocess.py"


rule dump_provenance:
    # After a successful solve only: a failed scenario must not leave a record that looks complete.
    input:
        status=rules.solve_model.output.status,
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
        scenario="{scenario}",
        config=from_scenario(),
        code=ESMFLOW_CODE_HASH,
    script:
        "../scripts/dump_provenance.py"
