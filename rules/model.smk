# Model inputs → the linear program on disk → its solution.


rule build_model:
    input:
        inputs=rules.cluster_time.output.inputs,
    output:
        program="results/{scenario}/model.nc",
    log:
        "logs/{scenario}/build_model.log",
    benchmark:
        "benchmarks/{scenario}/build_model.tsv"
    conda:
        "../envs/environment.yaml"
    threads: 1
    resources:
        mem_mb=build_memory,
        runtime=lambda wc, attempt: 60 * attempt,
    params:
        code=ESMFLOW_CODE_HASH,
    script:
        "../scripts/build_model.py"


rule solve_model:
    input:
        program=rules.build_model.output.program,
        inputs=rules.cluster_time.output.inputs,
        custom_constraints=custom_constraints_file,
    output:
        solution="results/{scenario}/solution.nc",
        status="results/{scenario}/solve_status.yaml",
    log:
        python="logs/{scenario}/solve_model.log",
        solver="logs/{scenario}/solve_model_solver.log",
    benchmark:
        "benchmarks/{scenario}/solve_model.tsv"
    conda:
        "../envs/environment.yaml"
    threads: solver_threads
    resources:
        mem_mb=solve_memory,
        runtime=lambda wc, attempt: 120 * attempt,
    params:
        solver=from_scenario("solver"),
        backend=from_scenario("backend"),
        custom_constraints=from_scenario("custom_constraints"),
        code=ESMFLOW_CODE_HASH,
    script:
        "../scripts/solve_model.py"
