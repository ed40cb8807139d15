# Model YAML + CSV → inputs Dataset → with link distances → over the model's time steps
# (representative periods when the scenario's `clustering` or the model's time_cluster asks).
# The three are short: on a cluster they run together as one job per scenario (group "prep").


rule prepare_inputs:
    input:
        model=model_file,
        data=model_data_files,
    output:
        inputs="results/{scenario}/inputs.nc",
    log:
        "logs/{scenario}/prepare_inputs.log",
    benchmark:
        "benchmarks/{scenario}/prepare_inputs.tsv"
    group:
        "prep"
    conda:
        "../envs/environment.yaml"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 2000 * attempt,
        runtime=lambda wc, attempt: 30 * attempt,
    params:
        model=model_file,
        overrides=from_scenario("overrides"),
        set=scenario_set,
        code=ESMFLOW_CODE_HASH,
    script:
        "../scripts/prepare_inputs.py"


rule compute_distances:
    input:
        inputs=rules.prepare_inputs.output.inputs,
    output:
        inputs="results/{scenario}/inputs_with_distances.nc",
        distances="results/{scenario}/distances.csv",
    log:
        "logs/{scenario}/compute_distances.log",
    benchmark:
        "benchmarks/{scenario}/compute_distances.tsv"
    group:
        "prep"
    conda:
        "../envs/environment.yaml"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 2000 * attempt,
        runtime=lambda wc, attempt: 15 * attempt,
    params:
        code=ESMFLOW_CODE_HASH,
    script:
        "../scripts/compute_distances.py"


rule cluster_time:
    input:
        inputs=rules.compute_distances.output.inputs,
    output:
        inputs="results/{scenario}/model_inputs.nc",
        duration_curves=report(
            "results/{scenario}/plots/clustering.png",
            caption="../workflow/report/clustering.rst",
            category="{scenario}",
            subcategory="3 figures",
            labels={"figure": "input time series, original and clustered"},
        ),
    log:
        "logs/{scenario}/cluster_time.log",
    benchmark:
        "benchmarks/{scenario}/cluster_time.tsv"
    group:
        "prep"
    conda:
        "../envs/environment.yaml"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 2000 * attempt,
        runtime=lambda wc, attempt: 30 * attempt,
    params:
        clustering=from_scenario("clustering"),
        code=ESMFLOW_CODE_HASH,
    script:
        "../scripts/cluster_time.py"
