# Model YAML + CSV → inputs Dataset → with link distances → over the model's time steps
# (representative periods when the scenario's `clustering` or the model's time_cluster asks), and
# the clustering's figure. They are short: on a cluster they run together in one job (group "prep",
# which profiles/slurm fills with the steps of up to 10 scenarios).


rule prepare_inputs:
    input:
        model=model_file,
        data=model_data_files,
    output:
        # read once, by compute_distances (which runs in the same job, group "prep")
        inputs=temp("results/{scenario}/inputs.nc"),
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
        code=code_hash("scripts/prepare_inputs.py"),
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
        code=code_hash("scripts/compute_distances.py"),
    script:
        "../scripts/compute_distances.py"


rule cluster_time:
    input:
        inputs=rules.compute_distances.output.inputs,
    output:
        inputs="results/{scenario}/model_inputs.nc",
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
        code=code_hash("scripts/cluster_time.py"),
    script:
        "../scripts/cluster_time.py"


rule plot_clustering:
    # apart from cluster_time: a change to the plotting code redraws this and re-runs no model step
    input:
        original=rules.compute_distances.output.inputs,
        clustered=rules.cluster_time.output.inputs,
    output:
        duration_curves=report(
            "results/{scenario}/plots/clustering.png",
            caption="../workflow/report/clustering.rst",
            category="{scenario}",
            subcategory="3 figures",
            labels={"figure": "input time series, original and clustered"},
        ),
    log:
        "logs/{scenario}/plot_clustering.log",
    benchmark:
        "benchmarks/{scenario}/plot_clustering.tsv"
    group:
        "prep"
    conda:
        "../envs/environment.yaml"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 2000 * attempt,
        runtime=lambda wc, attempt: 10 * attempt,
    params:
        code=code_hash("scripts/plot_clustering.py"),
    script:
        "../scripts/plot_clustering.py"
