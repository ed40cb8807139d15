# Model inputs → the linear program on disk → its solution. The model's mode (config.init.mode)
# decides what the two steps do: plan builds the whole horizon and solves it once; operate builds
# the first window and solves window by window; spores solves the least cost, then each spore.
# A scenario with `operate_from: <plan scenario>` operates the capacities that plan decided:
# its inputs go through `operate_inputs` first, after the plan's solve.


rule operate_inputs:
    input:
        inputs=rules.cluster_time.output.inputs,
        plan=plan_solution,
    output:
        inputs="results/{scenario}/operate_inputs.nc",
    log:
        "logs/{scenario}/operate_inputs.log",
    benchmark:
        "benchmarks/{scenario}/operate_inputs.tsv"
    localrule: True
    conda:
        "../envs/environment.yaml"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 2000 * attempt,
        runtime=lambda wc, attempt: 15 * attempt,
    params:
        plan=from_scenario("operate_from"),
        code=code_hash("scripts/operate_inputs.py"),
    script:
        "../scripts/operate_inputs.py"


rule build_model:
    input:
        inputs=model_inputs,
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
        code=code_hash("scripts/build_model.py"),
    script:
        "../scripts/build_model.py"


rule solve_model:
    input:
        program=rules.build_model.output.program,
        inputs=model_inputs,
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
        code=code_hash("scripts/solve_model.py"),
    script:
        "../scripts/solve_model.py"
